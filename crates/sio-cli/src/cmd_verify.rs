//! `sio verify`: check a CMS signature (.p7s) against a CA set, optionally a CRL and a key purpose.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_sign::{KeyPurpose, SignError, Verifier};

/// Verify a CMS/CAdES signature.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The signed document (needed for detached signatures; checked against attached content).
    #[arg(long = "in")]
    input: Option<PathBuf>,
    /// The signature, DER (.p7s).
    #[arg(long)]
    sig: PathBuf,
    /// Trusted CA certificate(s), PEM bundle or DER.
    #[arg(long)]
    ca: PathBuf,
    /// Revocation list of the CA, PEM or DER.
    #[arg(long)]
    crl: Option<PathBuf>,
    /// Required key purpose: `auth` (clientAuth, login) or `sign` (emailProtection, documents).
    #[arg(long, value_parser = ["auth", "sign"])]
    eku: Option<String>,
    /// Require the ESS signing-certificate attribute (CAdES-BES).
    #[arg(long)]
    cades: bool,
}

pub(crate) fn run(args: Args) -> ExitCode {
    match execute(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(path, e)) => {
            eprintln!("sio verify: cannot read {}: {e}", path.display());
            ExitCode::from(2)
        }
        Err(Failure::Sign(e)) => {
            eprintln!("sio verify: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Input(PathBuf, std::io::Error),
    Sign(SignError),
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        Self::Sign(e)
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(path.clone(), e))
}

fn execute(args: &Args) -> Result<(), Failure> {
    let mut verifier =
        Verifier::from_pem(&read(&args.ca)?)?.require_signing_certificate(args.cades);
    if let Some(crl) = &args.crl {
        verifier = verifier.with_crl(&read(crl)?)?;
    }
    match args.eku.as_deref() {
        Some("auth") => verifier = verifier.require_purpose(KeyPurpose::Authentication),
        Some(_) => verifier = verifier.require_purpose(KeyPurpose::DocumentSigning),
        None => {}
    }
    let content = args.input.as_ref().map(read).transpose()?;
    let signers = verifier.verify(&read(&args.sig)?, content.as_deref())?;
    for s in signers {
        let c = &s.certificate;
        let time = s.signing_time.map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        });
        println!(
            "OK signer {}: {} | IIN {} | BIN {} | serial {} | {} | signing time {} | ESS {}",
            s.signer_index,
            c.common_name.as_deref().unwrap_or("?"),
            c.iin.as_deref().unwrap_or("-"),
            c.bin.as_deref().unwrap_or("-"),
            c.serial_hex,
            s.algorithm,
            time.as_deref().unwrap_or("-"),
            if s.signing_certificate_checked {
                "checked"
            } else {
                "absent"
            },
        );
    }
    Ok(())
}
