//! `sio login`: log in to СИО ПСО from the command line — for the helpdesk and scripted checks.
//!
//! Token (PIV over PC/SC) → PIN → signed challenge → second factor (SMS code) → the consent on the
//! first login (signed with the signing key) → an active session, printed as JSON.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use sio_client::session::{self, Session};
use sio_client::{Channel, ChannelConfig, LoginKey};
use sio_protocol::{SecondFactor, Secret, SessionStage};
use sio_token::Pin;
use zeroize::Zeroizing;

/// Arguments of `sio login`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Connection,
    /// A key file (.p12, .pfx, .pem) offered instead of a token: always refused — rule 18 admits
    /// only a protected carrier for login.
    #[arg(long, conflicts_with = "reader")]
    key_file: Option<PathBuf>,
    /// The second factor.
    #[arg(long, value_enum, default_value = "sms")]
    factor: Factor,
    /// Read the PIN, then the SMS code, then (first login) the signing PIN from standard input, one
    /// per line, instead of prompting.
    #[arg(long)]
    stdin: bool,
    /// Language of the consent text shown on the first login.
    #[arg(long, value_enum, default_value = "ru")]
    lang: Lang,
    /// Log out at the end instead of leaving the session open.
    #[arg(long)]
    logout: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Factor {
    Sms,
    Fingerprint,
    Face,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Lang {
    Kk,
    Ru,
    En,
}

pub(crate) use crate::failure::{Failure, fail};

/// Run `sio login`.
pub(crate) fn run(args: Args) -> ExitCode {
    let Some(rt) = crate::runtime("login") else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(login(args)) {
        Ok(summary) => {
            let _ = writeln!(std::io::stdout(), "{summary}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            let failure = json!({"ok": false, "code": f.code, "message": f.message});
            let _ = writeln!(std::io::stdout(), "{failure}");
            eprintln!("sio login: {} ({})", f.message, f.code);
            ExitCode::FAILURE
        }
    }
}

/// Reads answers from standard input (scripted) or prompts on the terminal.
pub(crate) struct Input {
    pub(crate) stdin: bool,
}

impl Input {
    /// A PIN or code: the raw line is wiped when dropped; the caller moves the answer into a
    /// zeroizing secret type at once.
    pub(crate) fn secret(&self, prompt: &str) -> Result<String, Failure> {
        let mut line = Zeroizing::new(String::new());
        if self.stdin || !std::io::stdin().is_terminal() {
            eprint!("{prompt}");
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| fail("CLI_INPUT", e.to_string()))?;
            eprintln!();
        } else {
            *line =
                rpassword::prompt_password(prompt).map_err(|e| fail("CLI_INPUT", e.to_string()))?;
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// How a command reaches the gateway and the card: `sio login`, `sio request`, `sio report`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Connection {
    /// The administrator's policy file (gateway address, pinned CA).
    #[arg(long, default_value_os_t = sio_policy::system_path())]
    policy: PathBuf,
    /// Gateway URL instead of the policy's (helpdesk checks against another gateway).
    #[arg(long, requires = "ca")]
    gateway: Option<String>,
    /// Pinned CA (PEM) for `--gateway`.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Smart-card reader (default: the first reader with a card).
    #[arg(long)]
    pub(crate) reader: Option<String>,
}

impl Connection {
    /// The channel's settings: `--gateway` and `--ca` if given, else the administrator's policy.
    pub(crate) fn channel_config(&self) -> Result<ChannelConfig, Failure> {
        match (&self.gateway, &self.ca) {
            (Some(url), Some(ca)) => Ok(ChannelConfig {
                base_url: url.trim_end_matches('/').to_owned(),
                ca_pem: std::fs::read(ca)
                    .map_err(|e| fail("CLIENT_CA_INVALID", format!("{}: {e}", ca.display())))?,
                timeout: Duration::from_secs(30),
            }),
            _ => {
                let policy = sio_policy::Policy::load_checked(&self.policy)?;
                Ok(ChannelConfig::from_policy(&policy)?)
            }
        }
    }
}

/// The user's token opened with every certificate and PIN-state check of
/// [`sio_client::token::open`], the PIN asked (tries left shown before the attempt) and
/// verified: the authentication key and the holder's ИИН. `sio login`, `sio request` and
/// `sio report` all open the card here.
pub(crate) fn unlock_card(
    reader: Option<&str>,
    input: &Input,
) -> Result<(LoginKey, String), Failure> {
    let token = sio_client::token::open(reader)?;
    let cert = token.certificate();
    eprintln!(
        "Certificate: {} (ИИН {}), valid until {}",
        cert.common_name.as_deref().unwrap_or("?"),
        token.iin(),
        cert.not_after_rfc3339()
    );
    let tries = token
        .tries_left()
        .map_or_else(String::new, |n| format!(" ({n} tries left)"));
    let pin = Pin::new(input.secret(&format!("PIN{tries}: "))?)?;
    let iin = token.iin().to_owned();
    Ok((token.verify(pin)?, iin))
}

/// The first factor on the protected channel authenticated with the card's key.
pub(crate) async fn first_factor(
    config: &ChannelConfig,
    key: &LoginKey,
) -> Result<(Channel, Session), Failure> {
    let channel = session::card_channel(config, key)?;
    let s = session::log_in(&channel, &mut key.signer()).await?;
    Ok((channel, s))
}

async fn login(args: Args) -> Result<serde_json::Value, Failure> {
    let input = Input { stdin: args.stdin };
    if let Some(path) = &args.key_file {
        sio_token::admit_source(&sio_token::classify_file(path))?;
    }
    let config = args.conn.channel_config()?;

    // 1. the token, its certificates and PIN state checked, the PIN verified
    let (key, _iin) = unlock_card(args.conn.reader.as_deref(), &input)?;

    // 2. the protected channel, authenticated with the same key; the signed challenge
    let (channel, mut s) = first_factor(&config, &key).await?;

    // 3. second factor
    let wanted = match args.factor {
        Factor::Sms => SecondFactor::Sms,
        Factor::Fingerprint => SecondFactor::Fingerprint,
        Factor::Face => SecondFactor::Face,
    };
    if !s.info().factors.contains(&wanted) {
        return Err(fail(
            "CLI_FACTOR_NOT_ALLOWED",
            format!(
                "this account cannot use {wanted:?}; it has {:?}",
                s.info().factors
            ),
        ));
    }
    match args.factor {
        Factor::Sms => sms(&channel, &mut s, &input).await?,
        Factor::Fingerprint => {
            // The workstation's fingerprint agent asks fprintd and signs the verdict with the
            // workstation key (SIO_FINGERPRINT_AGENT names another socket).
            let agent = sio_biometrics::fingerprint::agent::AgentClient::from_env();
            eprintln!("Put your finger on the reader.");
            sio_client::fingerprint::verify_fingerprint(&mut s, &channel, &agent).await?;
        }
        Factor::Face => {
            return Err(fail(
                "CLI_FACTOR_UNAVAILABLE",
                "biometric capture is not available from the command line yet; use --factor sms",
            ));
        }
    }

    // 4. consent on the first login, signed with the signing key (PIN asked again: PIN-always)
    if s.stage() == SessionStage::Consent {
        let text = s.consent_text(&channel).await?;
        eprintln!("\n{}\n", consent_display(&text, args.lang));
        let pin = Pin::new(input.secret("Signing PIN (to sign the consent): ")?)?;
        let mut signer = sio_client::token::signing_signer(&key, pin)?;
        s.give_consent(&channel, &text, &mut signer).await?;
    }

    let mut summary = summary(&s);
    // The operator's notices: planned works published in advance (2015 r.44) and open
    // emergencies (rr.41–43). A failure to read them does not fail the login.
    if let Ok(n) = sio_client::notices::notices(&channel, &s).await {
        print_notices(&n, args.lang);
        summary["notices"] = json!(n);
    }
    if args.logout {
        s.logout(&channel).await?;
    }
    Ok(summary)
}

/// What the terminal shows before the consent is signed: the text that is signed is always the
/// Russian text of Appendix 6 in force (Order 21/2023 as amended by Order 88/2024; rule 17),
/// filled for the user, with its hash; a Kazakh user reads the Kazakh notice first, an English
/// one the courtesy translation (not legally binding) after it.
fn consent_display(text: &sio_protocol::ConsentText, lang: Lang) -> String {
    let signed = format!(
        "=== {} ({}, sha256 {}) ===\n{}",
        match lang {
            Lang::Kk => "Қол қойылатын мәтін",
            Lang::Ru => "Подписываемый текст",
            Lang::En => "The text you sign",
        },
        text.version,
        text.sha256,
        text.ru
    );
    match lang {
        Lang::Kk => format!("{}\n\n{signed}", text.kk),
        Lang::Ru => signed,
        Lang::En => format!(
            "{signed}\n\n=== {} ===\n{}",
            "Courtesy translation", text.en
        ),
    }
}

pub(crate) async fn sms(channel: &Channel, s: &mut Session, input: &Input) -> Result<(), Failure> {
    let sent = s.request_sms(channel).await?;
    eprintln!(
        "An SMS code was sent to {}; it expires at {}.",
        sent.masked_phone, sent.expires_at
    );
    let code = input.secret("SMS code: ")?;
    s.verify_sms(channel, Secret::new(code)).await?;
    Ok(())
}

/// The notices on the terminal, times in Astana time (sio-core), descriptions in kk or ru.
fn print_notices(n: &sio_protocol::Notices, lang: Lang) {
    let at = |t: &chrono::DateTime<chrono::FixedOffset>| {
        sio_core::time::format_astana(t.with_timezone(&chrono::Utc))
    };
    for e in &n.emergencies {
        eprintln!("Emergency since {}: {}", at(&e.started_at), e.cause);
    }
    for w in &n.planned_works {
        let description = match lang {
            Lang::Kk => &w.description_kk,
            Lang::Ru | Lang::En => &w.description_ru,
        };
        eprintln!(
            "Planned works from {} to {}: {description}",
            at(&w.starts_at),
            at(&w.ends_at)
        );
    }
}

fn summary(s: &Session) -> serde_json::Value {
    let info = s.info();
    json!({
        "ok": true,
        "stage": info.stage,
        "user": info.user,
        "consent_signed_at": info.consent_signed_at,
        "expires_at": info.expires_at,
        "idle_until": info.idle_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule 17, Appendix 6 (Order 88/2024): whatever the language, the terminal shows the Russian
    /// text that is signed with its hash; kk adds the notice first, en the courtesy translation.
    #[test]
    fn the_signed_russian_text_is_always_shown() {
        let text = sio_protocol::ConsentText {
            version: "app6-2024.2".into(),
            signed_language: sio_protocol::ConsentLanguage::Ru,
            sha256: "ab".repeat(32),
            form_date: None,
            ru: "17. Нарушение пользователем положений настоящего согласия".into(),
            kk: "Назар аударыңыз".into(),
            en: "COURTESY TRANSLATION — NOT LEGALLY BINDING".into(),
            fields: sio_protocol::ConsentFields::default(),
            kk_reference_2015: String::new(),
        };
        for lang in [Lang::Kk, Lang::Ru, Lang::En] {
            let shown = consent_display(&text, lang);
            assert!(shown.contains(&text.ru), "{lang:?}");
            assert!(shown.contains(&text.sha256), "{lang:?}");
        }
        assert!(consent_display(&text, Lang::Kk).starts_with("Назар аударыңыз"));
        assert!(consent_display(&text, Lang::En).contains("NOT LEGALLY BINDING"));
        assert!(!consent_display(&text, Lang::Ru).contains("NOT LEGALLY BINDING"));
    }
}
