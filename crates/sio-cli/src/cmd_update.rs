//! `sio update`: offline updates from a signed bundle file (sio-update). No network updater.
//!
//! `verify` and `apply` trust the vendor key built into this program and the keys of the
//! policy's `updates.vendor_keys`; `make` and `keygen` are the vendor's side.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use sio_update::{SigningKey, SourceFile, UpdateError, Version};

/// Arguments of `sio update`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: UpdateCommand,
}

#[derive(Debug, clap::Args)]
struct Target {
    /// The administrator's policy file (vendor keys, install root); default /etc/sio/policy.toml
    /// when it exists.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Install root (versions side by side and a `current` link); default: the policy's
    /// `updates.install_root`, else /opt/arm-sio-pso.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum UpdateCommand {
    /// Check a bundle (signature, product, version, every file's hash) without installing it.
    Verify {
        /// The bundle (.siou).
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Verify, then install atomically; the previous version is kept for a rollback.
    Apply {
        /// The bundle (.siou).
        file: PathBuf,
        /// Install again the version that is already installed (repair).
        #[arg(long)]
        reinstall: bool,
        #[command(flatten)]
        target: Target,
    },
    /// The installed version under the install root.
    Status {
        #[command(flatten)]
        target: Target,
    },
    /// Vendor: make a signed bundle from files given as PATH=SOURCE (e.g. bin/sio=target/release/sio).
    // `--version` here is the bundle's version, not `sio`'s own (which `sio --version` prints).
    #[command(disable_version_flag = true)]
    Make {
        /// Version the bundle installs.
        #[arg(long)]
        version: String,
        /// The oldest installed version the bundle may be applied to.
        #[arg(long)]
        min_version: Option<String>,
        /// Release notes.
        #[arg(long)]
        notes: Option<String>,
        /// The vendor's signing key file (base64 Ed25519 seed, see `keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Output bundle.
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Files as PATH=SOURCE.
        #[arg(required = true, value_name = "PATH=SOURCE")]
        files: Vec<String>,
    },
    /// Vendor: generate a signing key (file mode 0600; keep it offline) and print its public key.
    Keygen {
        /// Where to write the key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Run `sio update`.
pub(crate) fn run(args: Args) -> ExitCode {
    let json = match &args.command {
        UpdateCommand::Verify { target, .. }
        | UpdateCommand::Apply { target, .. }
        | UpdateCommand::Status { target } => target.json,
        _ => false,
    };
    match run_inner(args.command) {
        Ok(v) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
                );
            } else if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
                println!("{m}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "code": e.code(), "message": e.to_string()})
                );
            }
            eprintln!("error {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

struct Context {
    trusted: Vec<[u8; 32]>,
    root: PathBuf,
}

fn context(t: &Target) -> Result<Context, UpdateError> {
    let policy_path = t.policy.clone().or_else(|| {
        let p = sio_policy::system_path();
        p.exists().then_some(p)
    });
    let policy = match policy_path {
        Some(p) => Some(
            sio_policy::Policy::load_checked(&p)
                .map_err(|e| UpdateError::Key(format!("{}: {e}", e.code())))?,
        ),
        None => None,
    };
    let mut trusted: Vec<[u8; 32]> = sio_update::builtin_vendor_key().into_iter().collect();
    if let Some(p) = &policy {
        trusted.extend(p.vendor_keys());
    }
    let root = t
        .root
        .clone()
        .or_else(|| policy.as_ref().and_then(|p| p.updates.install_root.clone()))
        .unwrap_or_else(|| PathBuf::from(sio_update::DEFAULT_ROOT));
    Ok(Context { trusted, root })
}

fn installed(root: &Path) -> Result<Version, UpdateError> {
    // Without an installation under the root, the running program's version counts.
    match sio_update::installed_version(root)? {
        Some(v) => Ok(v),
        None => env!("CARGO_PKG_VERSION").parse(),
    }
}

fn run_inner(cmd: UpdateCommand) -> Result<serde_json::Value, UpdateError> {
    match cmd {
        UpdateCommand::Verify { file, target } => {
            let ctx = context(&target)?;
            let v = sio_update::verify_file(&file, &ctx.trusted)?;
            let inst = installed(&ctx.root)?;
            v.check_upgrade(Some(&inst), false)?;
            Ok(serde_json::json!({
                "ok": true,
                "product": v.manifest.product,
                "version": v.version.to_string(),
                "installed": inst.to_string(),
                "key": v.key_id,
                "files": v.manifest.files.len(),
                "message": format!(
                    "{}: signed by vendor key {}, version {} (installed {inst}), {} files verified",
                    file.display(), v.key_id, v.version, v.manifest.files.len()
                ),
            }))
        }
        UpdateCommand::Apply {
            file,
            reinstall,
            target,
        } => {
            let ctx = context(&target)?;
            let v = sio_update::verify_file(&file, &ctx.trusted)?;
            let inst = installed(&ctx.root)?;
            v.check_upgrade(Some(&inst), reinstall)?;
            let done = sio_update::install(&v, &ctx.root)?;
            Ok(serde_json::json!({
                "ok": true,
                "version": done.version,
                "previous": done.previous,
                "dir": done.dir,
                "files": done.files,
                "bytes": done.bytes,
                "message": format!(
                    "installed {} in {} ({} files); previous: {}",
                    done.version,
                    done.dir.display(),
                    done.files,
                    done.previous.as_deref().unwrap_or("none")
                ),
            }))
        }
        UpdateCommand::Status { target } => {
            let ctx = context(&target)?;
            let v = sio_update::installed_version(&ctx.root)?;
            Ok(serde_json::json!({
                "root": ctx.root,
                "installed": v.as_ref().map(ToString::to_string),
                "running": env!("CARGO_PKG_VERSION"),
                "trusted_keys": ctx.trusted.iter().map(sio_update::key_id).collect::<Vec<_>>(),
                "message": format!(
                    "{}: {}; this program {}",
                    ctx.root.display(),
                    v.map(|v| format!("version {v} installed")).unwrap_or_else(|| "nothing installed".into()),
                    env!("CARGO_PKG_VERSION")
                ),
            }))
        }
        UpdateCommand::Make {
            version,
            min_version,
            notes,
            key,
            out,
            files,
        } => {
            let key = SigningKey::from_file(&key)?;
            let mut sources = Vec::new();
            for spec in &files {
                let (path, source) = spec
                    .split_once('=')
                    .ok_or_else(|| UpdateError::Manifest(format!("{spec:?} is not PATH=SOURCE")))?;
                sources.push(SourceFile {
                    path: path.to_owned(),
                    source: PathBuf::from(source),
                    mode: mode_of(Path::new(source)),
                });
            }
            let bundle = sio_update::make(
                &version,
                min_version.as_deref(),
                notes.as_deref(),
                &sources,
                Some(&key),
            )?;
            std::fs::write(&out, &bundle).map_err(|source| UpdateError::Io {
                what: format!("cannot write {}", out.display()),
                source,
            })?;
            Ok(serde_json::json!({
                "message": format!(
                    "{}: version {version}, {} files, {} bytes, key {}",
                    out.display(),
                    sources.len(),
                    bundle.len(),
                    sio_update::key_id(&key.public())
                ),
            }))
        }
        UpdateCommand::Keygen { out } => {
            let (key, seed) = SigningKey::generate()?;
            write_secret(&out, &seed)?;
            Ok(serde_json::json!({
                "message": format!(
                    "wrote {} (keep it offline)\npublic key for updates.vendor_keys / SIO_VENDOR_UPDATE_KEY:\n{}",
                    out.display(),
                    key.public_b64()
                ),
            }))
        }
    }
}

fn mode_of(p: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0) {
            return 0o755;
        }
    }
    #[cfg(not(unix))]
    let _ = p;
    0o644
}

fn write_secret(out: &Path, seed: &[u8; 32]) -> Result<(), UpdateError> {
    use std::io::Write;
    let text = zeroize::Zeroizing::new(base64_encode(seed));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |source| UpdateError::Io {
        what: format!("cannot write {}", out.display()),
        source,
    };
    let mut f = opts.open(out).map_err(io)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .map_err(io)
}

fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
