//! `sio pki`: the test PKI shaped like NCA RK (for the reference gateway, demos and tests).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sio_pki::{PkiError, PkiSpec, Usage};

/// Make and maintain a TEST PKI (never a real CA).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: PkiCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PkiCommand {
    /// Create a CA, its CRL, the gateway's TLS certificate (localhost, 127.0.0.1) and user certificates in DIR.
    Init {
        /// Output directory (created if absent; files in it are overwritten).
        dir: PathBuf,
        /// User set: `demo` (three officers: RSA-2048, P-256, P-384) or `none`.
        #[arg(long, default_value = "demo", value_parser = ["demo", "none"])]
        users: String,
        /// Key algorithm of the users' keys: `mixed` (RSA-2048, P-256, P-384), `gost256` or
        /// `gost512` (GOST R 34.10-2012; the CA and the gateway's TLS key stay ECDSA P-256).
        #[arg(long, default_value = "mixed", value_parser = ["mixed", "gost256", "gost512"])]
        alg: String,
    },
    /// Revoke a certificate by serial (hex) and write a new CRL.
    Revoke {
        /// The PKI directory.
        dir: PathBuf,
        /// Serial number, hex (`:` separators allowed).
        serial: String,
    },
    /// Issue a certificate for a public key generated elsewhere (e.g. on a card in PIV slot 9A/9C).
    /// The certificate attests the key's carrier in a certificate policy of the test PKI: a key
    /// generated on a token gets the hardware policy (the only one the gateway accepts for login by
    /// default); the users made by `init` have keys in files and get the software policy.
    Issue {
        /// The PKI directory.
        dir: PathBuf,
        /// SubjectPublicKeyInfo, PEM ("PUBLIC KEY") or DER.
        #[arg(long)]
        public_key: PathBuf,
        /// `auth` (clientAuth) or `sign` (emailProtection).
        #[arg(long, value_parser = ["auth", "sign"])]
        usage: String,
        /// Whose identity to certify: a demo user id (investigator, head, prosecutor).
        #[arg(long, default_value = "investigator")]
        user: String,
        /// File id for `users/<id>.<usage>.cert.pem` (default: `<user>-card`).
        #[arg(long)]
        id: Option<String>,
        /// Where the key was generated: `hardware` (on the token; you attest it, as a registration
        /// officer would) or `software` (a key file).
        #[arg(long, default_value = "hardware", value_parser = ["hardware", "software"])]
        carrier: String,
    },
    /// Issue a workstation certificate and its key (ECDSA P-256, clientAuth, CN = NAME, no ИИН):
    /// the key the fingerprint agent signs its verdicts with (/etc/sio/workstation.cert.pem and
    /// /etc/sio/workstation.key.pem, root-owned, mode 0600). Written to
    /// `workstations/NAME.cert.pem` and `NAME.key.pem` (0600) in DIR; with --out-cert/--out-key
    /// the certificate is copied and the key moved there (the key is then left nowhere else).
    Workstation {
        /// The PKI directory.
        dir: PathBuf,
        /// The workstation's name (certificate CN): ASCII letters, digits, `-`, `_`, `.`.
        #[arg(long)]
        name: String,
        /// Also write the certificate (PEM) here.
        #[arg(long, value_name = "FILE")]
        out_cert: Option<PathBuf>,
        /// Write the key (PKCS#8 PEM) here instead, mode 0600 from the first byte.
        #[arg(long, value_name = "FILE")]
        out_key: Option<PathBuf>,
    },
    /// Issue (or re-issue) the operator's signing certificate and key (ECDSA P-256,
    /// emailProtection, nonRepudiation, CN "SIO PSO operator"): it signs the motivated refusals
    /// of HR applications (2015 rule 14). Written to `operator.cert.pem` and `operator.key.pem`
    /// (0600) in DIR.
    Operator {
        /// The PKI directory.
        dir: PathBuf,
    },
}

pub(crate) fn run(args: Args) -> ExitCode {
    match execute(args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio pki: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

fn execute(command: PkiCommand) -> Result<(), PkiError> {
    match command {
        PkiCommand::Init { dir, users, alg } => {
            let mut spec = if users == "demo" {
                PkiSpec::demo()
            } else {
                PkiSpec::empty()
            };
            let gost = match alg.as_str() {
                "gost256" => Some(sio_pki::KeyKind::Gost2012_256),
                "gost512" => Some(sio_pki::KeyKind::Gost2012_512),
                _ => None,
            };
            if let Some(kind) = gost {
                for user in &mut spec.users {
                    user.key = kind;
                }
            }
            let pki = sio_pki::generate(&dir, &spec)?;
            println!("CA          {}", pki.ca_cert.display());
            println!("CA key      {}", pki.ca_key.display());
            println!("CRL         {}", pki.crl.display());
            println!(
                "gateway     {}  serial {}",
                pki.gateway.cert_path.display(),
                pki.gateway.serial_hex
            );
            for u in &pki.users {
                println!(
                    "{:<11} auth {}  serial {}",
                    u.id,
                    u.auth.cert_path.display(),
                    u.auth.serial_hex
                );
                println!(
                    "{:<11} sign {}  serial {}",
                    "",
                    u.sign.cert_path.display(),
                    u.sign.serial_hex
                );
            }
            println!("This is a TEST PKI: its CA must never be trusted outside tests and demos.");
            Ok(())
        }
        PkiCommand::Revoke { dir, serial } => {
            let crl = sio_pki::revoke(&dir, &serial)?;
            println!("revoked {serial}; CRL written to {}", crl.display());
            Ok(())
        }
        PkiCommand::Issue {
            dir,
            public_key,
            usage,
            user,
            id,
            carrier,
        } => {
            let mut spec = PkiSpec::demo()
                .users
                .into_iter()
                .find(|u| u.id == user)
                .ok_or_else(|| PkiError::InvalidSpec(format!("no demo user {user:?}")))?;
            spec.id = id.unwrap_or_else(|| format!("{user}-card"));
            let key = std::fs::read(&public_key).map_err(|e| PkiError::Io {
                path: public_key.clone(),
                source: e,
            })?;
            let usage = if usage == "auth" {
                Usage::Auth
            } else {
                Usage::Sign
            };
            let carrier = if carrier == "software" {
                sio_pki::Carrier::Software
            } else {
                sio_pki::Carrier::Hardware
            };
            let cert = sio_pki::issue_for_public_key_with(&dir, &key, &spec, usage, carrier)?;
            println!("{}  serial {}", cert.cert_path.display(), cert.serial_hex);
            Ok(())
        }
        PkiCommand::Operator { dir } => {
            let issued = sio_pki::issue_operator(&dir)?;
            println!(
                "{}  serial {}",
                issued.cert_path.display(),
                issued.serial_hex
            );
            Ok(())
        }
        PkiCommand::Workstation {
            dir,
            name,
            out_cert,
            out_key,
        } => {
            let issued = sio_pki::issue_workstation(&dir, &name)?;
            let mut cert_path = issued.cert_path.clone();
            let mut key_path = issued.key_path.clone().ok_or_else(|| {
                PkiError::InvalidSpec("the workstation key was not written".into())
            })?;
            if let Some(out) = out_cert {
                let pem = read(&cert_path)?;
                write_replacing(&out, pem.as_bytes(), 0o644)?;
                cert_path = out;
            }
            if let Some(out) = out_key {
                let pem = read(&key_path)?;
                write_replacing(&out, pem.as_bytes(), 0o600)?;
                // Moved: the copy in DIR goes, unless --out-key named that very file.
                if !same_file(&out, &key_path) {
                    std::fs::remove_file(&key_path).map_err(|e| PkiError::Io {
                        path: key_path.clone(),
                        source: e,
                    })?;
                }
                key_path = out;
            }
            println!("certificate {}", cert_path.display());
            println!("key         {}  (mode 0600)", key_path.display());
            println!("serial      {}", issued.serial_hex);
            Ok(())
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn read(path: &Path) -> Result<zeroize::Zeroizing<String>, PkiError> {
    std::fs::read_to_string(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| PkiError::Io {
            path: path.to_path_buf(),
            source: e,
        })
}

/// Write `bytes` to `path` through a new file beside it (created with `mode`, never following a
/// link) renamed over `path`: a key is never readable by others, not even for a moment, and a
/// link planted at `path` is replaced, not followed.
fn write_replacing(path: &Path, bytes: &[u8], mode: u32) -> Result<(), PkiError> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let io = |e| PkiError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| PkiError::InvalidSpec(format!("{} is not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    let written = file
        // The umask may have narrowed `mode`: a certificate stays readable.
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .and_then(|()| file.write_all(bytes))
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}
