//! `sio sign`: make a CMS/CAdES-BES signature (.p7s) with a key on a token (PC/SC PIV card or a
//! PKCS#11 module), or — for tests only — with a key file.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_sign::{SignError, SignOptions, Signer};
use sio_token::{PcscContext, Pin, PivSession, PivSlot, Pkcs11Module, TokenError};
use zeroize::Zeroizing;

/// Sign a document.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The document to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// Where to write the signature (DER).
    #[arg(long)]
    out: PathBuf,
    /// PC/SC reader holding the PIV card (e.g. "Virtual PCD 00 00").
    #[arg(long, conflicts_with_all = ["pkcs11_module", "key_file"])]
    reader: Option<String>,
    /// PKCS#11 module of the token (e.g. /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so).
    #[arg(long, conflicts_with = "key_file")]
    pkcs11_module: Option<PathBuf>,
    /// Which key: `auth` (PIV 9A, login) or `sign` (PIV 9C, documents).
    #[arg(long, default_value = "sign", value_parser = ["auth", "sign"])]
    key: String,
    /// Put the document inside the signature (default: detached).
    #[arg(long)]
    attached: bool,
    /// Read the PIN from the first line of standard input (otherwise you are prompted on the
    /// terminal and the PIN is not echoed).
    #[arg(long)]
    pin_stdin: bool,
    /// RSA keys: sign with RSA-PSS instead of PKCS#1 v1.5.
    #[arg(long)]
    pss: bool,
    /// Add this signature to an existing .p7s (co-signing) instead of making a new one.
    #[arg(long)]
    cosign: Option<PathBuf>,
    /// TESTS ONLY: a PKCS#8 PEM key file (a software key; refused for login by the product).
    #[arg(long, requires = "cert")]
    key_file: Option<PathBuf>,
    /// TESTS ONLY: the certificate of --key-file.
    #[arg(long, requires = "key_file")]
    cert: Option<PathBuf>,
}

enum Failure {
    Input(PathBuf, std::io::Error),
    Usage(&'static str),
    Sign(SignError),
    Token(TokenError),
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        Self::Sign(e)
    }
}

impl From<TokenError> for Failure {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

pub(crate) fn run(args: Args) -> ExitCode {
    match execute(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(path, e)) => {
            eprintln!("sio sign: cannot read {}: {e}", path.display());
            ExitCode::from(2)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("sio sign: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Sign(e)) => {
            eprintln!("sio sign: {}: {e}", e.code());
            ExitCode::FAILURE
        }
        Err(Failure::Token(e)) => {
            eprintln!("sio sign: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(path.clone(), e))
}

fn execute(args: &Args) -> Result<(), Failure> {
    let content = read(&args.input)?;
    let existing = args.cosign.as_ref().map(read).transpose()?;
    let want_sign = args.key == "sign";
    if let (Some(key), Some(cert)) = (&args.key_file, &args.cert) {
        let pem = Zeroizing::new(
            String::from_utf8(read(key)?)
                .map_err(|_| Failure::Usage("the key file is not PEM text"))?,
        );
        let mut signer = sio_sign::soft::SoftwareSigner::from_pem(&pem, &read(cert)?)?;
        if args.pss {
            signer = signer.with_algorithm(sio_sign::SignatureAlgorithm::RsaPssSha256)?;
        }
        eprintln!("sio sign: using a SOFTWARE key file (tests only; refused for login)");
        return finish(args, &content, existing.as_deref(), &mut signer);
    }
    if let Some(reader) = &args.reader {
        let slot = if want_sign {
            PivSlot::Signature
        } else {
            PivSlot::Authentication
        };
        let pin = read_pin(args.pin_stdin)?;
        let mut ctx = PcscContext::establish()?;
        let card = ctx.connect(reader)?;
        let session = PivSession::open(card)?;
        let mut session = session
            .verify_pin(Pin::new(pin.to_string())?)
            .map_err(|r| r.error)?;
        let signer = if slot.pin_always() {
            session.signer_with_pin(slot, Pin::new(pin.to_string())?)?
        } else {
            session.signer(slot)?
        };
        let mut signer = if args.pss { signer.with_pss()? } else { signer };
        return finish(args, &content, existing.as_deref(), &mut signer);
    }
    if let Some(module) = &args.pkcs11_module {
        let module = Pkcs11Module::load(module)?;
        let token = module
            .tokens()?
            .into_iter()
            .next()
            .ok_or(Failure::Usage("the PKCS#11 module sees no token"))?;
        let pin = read_pin(args.pin_stdin)?;
        let session = module.open(token.slot_id)?;
        let mut session = session
            .login(Pin::new(pin.to_string())?)
            .map_err(|r| r.error)?;
        let cert = session
            .certificates()?
            .into_iter()
            .find(|c| {
                if want_sign {
                    c.info.purposes.signing
                } else {
                    c.info.purposes.authentication
                }
            })
            .ok_or(Failure::Usage(
                "no certificate for this key purpose on the token",
            ))?;
        // Keys marked always-authenticate (PIV 9C through OpenSC) need the PIN once more.
        let always = matches!(
            session.signer(&cert.id),
            Err(TokenError::NotAuthenticated { .. })
        );
        let signer = if always {
            session.signer_with_pin(&cert.id, Pin::new(pin.to_string())?)?
        } else {
            session.signer(&cert.id)?
        };
        let mut signer = if args.pss { signer.with_pss()? } else { signer };
        return finish(args, &content, existing.as_deref(), &mut signer);
    }
    Err(Failure::Usage(
        "choose a key: --reader NAME, --pkcs11-module PATH, or (tests) --key-file with --cert",
    ))
}

/// The PIN: from the terminal without echo (the secret input of `sio login`), or the first line
/// of standard input with `--pin-stdin` or when standard input is not a terminal.
fn read_pin(from_stdin: bool) -> Result<Zeroizing<String>, Failure> {
    crate::cmd_login::Input { stdin: from_stdin }
        .secret("PIN: ")
        .map(Zeroizing::new)
        .map_err(|f| {
            Failure::Input(
                PathBuf::from("<stdin>"),
                std::io::Error::other(format!("{}: {}", f.code, f.message)),
            )
        })
}

fn finish(
    args: &Args,
    content: &[u8],
    existing: Option<&[u8]>,
    signer: &mut dyn Signer,
) -> Result<(), Failure> {
    let options = SignOptions {
        attached: args.attached,
        ..SignOptions::default()
    };
    let cms = match existing {
        // Co-signing keeps the existing CMS's layout; the document is used if it is detached.
        Some(cms) => sio_sign::add_signer(cms, Some(content), &mut *signer, &options)?,
        None => sio_sign::sign(content, &mut [&mut *signer], &options)?,
    };
    std::fs::write(&args.out, &cms).map_err(|e| Failure::Input(args.out.clone(), e))?;
    let who = sio_sign::CertSummary::from_der(signer.certificate_der())?;
    println!(
        "signed by {} (IIN {}) with {} on a {:?} key; {} bytes written to {}",
        who.common_name.as_deref().unwrap_or("?"),
        who.iin.as_deref().unwrap_or("-"),
        signer.algorithm(),
        signer.carrier(),
        cms.len(),
        args.out.display()
    );
    Ok(())
}
