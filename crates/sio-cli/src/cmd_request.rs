//! `sio request`: requests for information from a terminal — compose (only what the rules allow),
//! send (signed on the card, through the encrypted outbox), list, view (then destroyed).
//!
//! A command line keeps no session between processes (the session token is a secret and is never
//! written to disk), so `send` does the login steps itself in the same process: the card's PIN,
//! the signed challenge, the SMS code. The consent of the first login is signed with `sio login`.
//! The outbox, the vault and the journal are the desktop app's (`SIO_DATA_DIR`, keys in the OS
//! keyring under the same names), so a request queued here is visible there and the other way
//! round; only one process opens the vault at a time.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use sio_client::outbox::OutboxStatus;
use sio_client::requests;
use sio_client::session::Session;
use sio_client::stores::Stores;
use sio_client::{Channel, LoginKey};
use sio_core::RequestSpec;
use sio_protocol::SessionStage;
use sio_token::Pin;
use sio_vault::{Actor, KeyStore, OsKeyring, Principal, ResultId};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::cmd_login::{Failure, Input, fail, first_factor, sms, unlock_card};

/// Arguments of `sio request`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: RequestCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RequestCommand {
    /// Check a request against the rules without signing it: prints the decision (allowed with
    /// its variant, or refused with the `CORE_*` code); `--preview` prints the document to sign.
    Compose {
        #[command(flatten)]
        spec: SpecArgs,
        /// The requesting user's ИИН written into the document (default: a placeholder).
        #[arg(long, default_value = "000000000000")]
        user: String,
        /// Print the canonical document exactly as it would be signed.
        #[arg(long)]
        preview: bool,
    },
    /// Sign the request(s) on the card (the signing PIN is asked for each: slot 9C is
    /// PIN-always), queue them in the encrypted outbox, log in, send everything queued, wait for
    /// the results and keep them encrypted in the vault. Without request fields: send what is
    /// queued.
    Send {
        #[command(flatten)]
        spec: OptionalSpec,
        #[command(flatten)]
        conn: Conn,
        /// How long to wait for the results, in seconds (0: do not wait).
        #[arg(long, default_value_t = 60)]
        wait: u64,
        /// Confirm the structural warnings of the request (an ИИН with month 13, an all-zero
        /// ЕРДР, …: printed first). Without it a request with a warning is not signed
        /// (`CLI_WARNINGS_UNCONFIRMED`).
        #[arg(long)]
        confirm_warnings: bool,
    },
    /// The outbox (status of each request) and the results waiting in the vault, one JSON
    /// object a line. Opening the vault first shreds results left viewed by a crash.
    List {
        #[command(flatten)]
        store: Store,
    },
    /// Show a result (by request id or result id) in the terminal, then destroy it
    /// (crypto-erase). The card's PIN is asked: the journal records who viewed it.
    View {
        /// Request id or result id.
        id: String,
        #[command(flatten)]
        store: Store,
        /// Smart-card reader (default: the first reader with a card).
        #[arg(long)]
        reader: Option<String>,
        /// Read the PIN from standard input.
        #[arg(long)]
        stdin: bool,
        /// Keep the viewer open until Enter is pressed, at most the viewing time
        /// (`--view-minutes`): then it closes by itself. The result is destroyed when the viewer
        /// closes, whatever happens.
        #[arg(long)]
        keep_until_close: bool,
    },
}

/// The fields of a request.
#[derive(Debug, Clone, clap::Args)]
struct SpecArgs {
    /// Role number (Appendix 1 of Order 34/2026).
    #[arg(long)]
    role: u8,
    /// Basis: criminal, admin_court, admin_offence, civil_court, enforcement, wanted.
    #[arg(long)]
    basis: String,
    #[command(flatten)]
    case: CaseArgs,
    /// ИИН or БИН of the subject; repeat for several subjects (one signed request each).
    #[arg(long, required = true)]
    subject: Vec<String>,
    /// The subjects are legal entities (БИН).
    #[arg(long)]
    legal_entity: bool,
    /// Service number (Appendix 2 of Order 88/2024); repeat for several services.
    #[arg(long, required = true)]
    service: Vec<u8>,
    /// Criminal Code article (chapter 8, arts 214–249, for State Revenue Committee services).
    #[arg(long)]
    article: Option<u16>,
    /// Part of the article.
    #[arg(long, requires = "article")]
    part: Option<u8>,
}

/// The request fields, optional for `send` (which then sends what is queued).
#[derive(Debug, Clone, clap::Args)]
struct OptionalSpec {
    #[arg(long, requires_all = ["basis", "subject", "service"])]
    role: Option<u8>,
    #[arg(long)]
    basis: Option<String>,
    #[command(flatten)]
    case: CaseArgs,
    #[arg(long)]
    subject: Vec<String>,
    #[arg(long)]
    legal_entity: bool,
    #[arg(long)]
    service: Vec<u8>,
    #[arg(long)]
    article: Option<u16>,
    #[arg(long, requires = "article")]
    part: Option<u8>,
}

/// The case: its kind (default from the basis) and the fields the kind needs.
#[derive(Debug, Clone, clap::Args)]
struct CaseArgs {
    /// criminal_case, instruction, legal_assistance, admin_court, admin_offence, civil_court,
    /// enforcement, wanted (default: the basis' own kind).
    #[arg(long)]
    case_kind: Option<String>,
    /// ЕРДР number (criminal case, instruction).
    #[arg(long)]
    erdr: Option<String>,
    /// Outgoing number of the instruction.
    #[arg(long)]
    instruction_no: Option<String>,
    /// Outgoing number of the request for legal assistance.
    #[arg(long)]
    request_no: Option<String>,
    /// The body asking for legal assistance.
    #[arg(long)]
    requesting_body: Option<String>,
    /// Outgoing number of the cover letter (legal assistance).
    #[arg(long)]
    cover_letter_no: Option<String>,
    /// Case number (court, administrative offence, enforcement, wanted).
    #[arg(long)]
    case_number: Option<String>,
    /// Year of a court case.
    #[arg(long)]
    case_year: Option<u16>,
    /// The court.
    #[arg(long)]
    court: Option<String>,
}

/// Where the outbox, the vault and the journal are.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Store {
    /// Data directory (`vault/`, `outbox/`, `audit.jsonl`); default `SIO_DATA_DIR`, else
    /// `~/.local/share/sio`.
    #[arg(long, env = "SIO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Minutes a viewed result may stay open before it is destroyed anyway.
    #[arg(long, default_value_t = 30)]
    view_minutes: u32,
}

/// How to reach the gateway and the card.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Conn {
    #[command(flatten)]
    to: crate::cmd_login::Connection,
    /// Read the PINs and the SMS code from standard input, one a line, in the order asked.
    #[arg(long)]
    pub(crate) stdin: bool,
    #[command(flatten)]
    store: Store,
}

impl CaseArgs {
    fn to_json(&self, basis: &str) -> serde_json::Value {
        let kind = self.case_kind.clone().unwrap_or_else(|| {
            match basis {
                "criminal" => "criminal_case",
                other => other,
            }
            .to_owned()
        });
        let mut case = serde_json::Map::new();
        case.insert("kind".into(), json!(kind));
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                case.insert(k.into(), v);
            }
        };
        put("erdr", self.erdr.clone().map(|v| json!(v)));
        put(
            "instruction_no",
            self.instruction_no.clone().map(|v| json!(v)),
        );
        put("request_no", self.request_no.clone().map(|v| json!(v)));
        put(
            "requesting_body",
            self.requesting_body.clone().map(|v| json!(v)),
        );
        put(
            "cover_letter_no",
            self.cover_letter_no.clone().map(|v| json!(v)),
        );
        put("number", self.case_number.clone().map(|v| json!(v)));
        put("year", self.case_year.map(|v| json!(v)));
        put("court", self.court.clone().map(|v| json!(v)));
        serde_json::Value::Object(case)
    }
}

impl SpecArgs {
    /// One spec for every subject × service, checked field by field with sio-core's codes.
    fn specs(&self) -> Result<Vec<RequestSpec>, Failure> {
        let mut out = Vec::new();
        for subject in &self.subject {
            let subject = if self.legal_entity {
                sio_core::Bin::parse(subject)
                    .map(|_| json!({"kind": "legal_entity", "id": subject}))
            } else {
                sio_core::Iin::parse(subject).map(|_| json!({"kind": "individual", "id": subject}))
            }
            .map_err(|e| fail(e.code(), e.to_string()))?;
            for service in &self.service {
                let mut v = json!({
                    "role": self.role,
                    "basis": self.basis,
                    "case": self.case.to_json(&self.basis),
                    "subject": subject,
                    "service": service,
                });
                if let Some(article) = self.article {
                    v["article"] = json!({"article": article, "part": self.part});
                }
                let spec: RequestSpec = serde_json::from_value(v)
                    .map_err(|e| fail("CLI_REQUEST_MALFORMED", e.to_string()))?;
                out.push(spec);
            }
        }
        Ok(out)
    }
}

impl OptionalSpec {
    fn spec_args(&self) -> Option<SpecArgs> {
        Some(SpecArgs {
            role: self.role?,
            basis: self.basis.clone()?,
            case: self.case.clone(),
            subject: self.subject.clone(),
            legal_entity: self.legal_entity,
            service: self.service.clone(),
            article: self.article,
            part: self.part,
        })
    }
}

/// The vault, the journal and the outbox of the data directory, opened as the desktop app opens
/// them ([`sio_client::stores`]): a request queued here is visible there and the other way round.
fn open_stores(store: &Store, principal: Principal) -> Result<Stores, Failure> {
    let dir = store
        .data_dir
        .clone()
        .unwrap_or_else(sio_workstation::hardware::default_data_dir);
    let keys: Arc<dyn KeyStore> = Arc::new(OsKeyring::new(sio_client::stores::KEYRING_SERVICE));
    let actor = Actor {
        principal,
        workstation: sio_vault::workstation_name(),
        ip: None,
    };
    sio_client::stores::open(
        &dir,
        keys,
        actor,
        chrono::Duration::minutes(i64::from(store.view_minutes.max(1))),
    )
    .map_err(|e| fail(e.code(), e.to_string()))
}

/// Run `sio request`.
pub(crate) fn run(args: Args) -> ExitCode {
    let Some(rt) = crate::runtime("request") else {
        return ExitCode::FAILURE;
    };
    let res = match args.command {
        RequestCommand::Compose {
            spec,
            user,
            preview,
        } => compose(&spec, &user, preview),
        RequestCommand::Send {
            spec,
            conn,
            wait,
            confirm_warnings,
        } => rt.block_on(send(&spec, &conn, wait, confirm_warnings)),
        RequestCommand::List { store } => list(&store),
        RequestCommand::View {
            id,
            store,
            reader,
            stdin,
            keep_until_close,
        } => view(&id, &store, reader.as_deref(), stdin, keep_until_close),
    };
    finish("request", res)
}

/// Print the failure as JSON on stdout and as text on stderr.
pub(crate) fn finish(cmd: &str, res: Result<(), Failure>) -> ExitCode {
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let failure = json!({"ok": false, "code": f.code, "message": f.message});
            let _ = writeln!(std::io::stdout(), "{failure}");
            eprintln!("sio {cmd}: {} ({})", f.message, f.code);
            ExitCode::FAILURE
        }
    }
}

fn out(v: &serde_json::Value) {
    let _ = writeln!(std::io::stdout(), "{v}");
}

fn req_fail(e: &requests::RequestError) -> Failure {
    fail(e.code(), e.to_string())
}

fn compose(spec: &SpecArgs, user: &str, preview: bool) -> Result<(), Failure> {
    for s in spec.specs()? {
        let grant = s.check().map_err(|e| fail(e.code(), e.to_string()))?;
        let doc = requests::compose(&s, user).map_err(|e| req_fail(&e))?;
        if preview {
            let text = requests::preview(&doc).map_err(|e| req_fail(&e))?;
            let _ = writeln!(std::io::stdout(), "{text}");
        } else {
            out(&json!({
                "ok": true,
                "allowed": true,
                "service": s.service.number(),
                "subject": s.subject.to_string(),
                "grant": format!("{grant:?}"),
            }));
        }
    }
    Ok(())
}

/// The login steps of `sio login` (the token checked, the challenge signed on the card, the SMS
/// code); the consent of a first login is `sio login`'s.
pub(crate) async fn log_in(
    conn: &Conn,
    key: &LoginKey,
    input: &Input,
) -> Result<(Channel, Session), Failure> {
    let (channel, mut s) = first_factor(&conn.to.channel_config()?, key).await?;
    sms(&channel, &mut s, input).await?;
    if s.stage() == SessionStage::Consent {
        return Err(fail(
            "CLI_CONSENT_REQUIRED",
            "the consent of the first login is not signed yet: run `sio login` once",
        ));
    }
    Ok((channel, s))
}

/// The card (PIN asked) for a command that logs in.
pub(crate) fn card_for(conn: &Conn, input: &Input) -> Result<(LoginKey, String), Failure> {
    unlock_card(conn.to.reader.as_deref(), input)
}

fn status_json(st: &OutboxStatus) -> serde_json::Value {
    serde_json::to_value(st).unwrap_or(serde_json::Value::Null)
}

/// The structural warnings of a request (sio-core warnings.rs; issue 18: the acts are silent, so
/// a malformed number stays searchable, but never silently) are printed; without
/// `--confirm-warnings` the request is not signed.
fn check_warnings(spec: &RequestSpec, confirmed: bool) -> Result<(), Failure> {
    let today = sio_core::time::astana_today(chrono::Utc::now());
    let warnings = sio_core::warnings::request_warnings(spec, today);
    for w in &warnings {
        eprintln!("Warning {} ({}): {}", w.code(), w.field(), w.message());
    }
    if warnings.is_empty() || confirmed {
        return Ok(());
    }
    let codes: Vec<&str> = warnings.iter().map(|w| w.code()).collect();
    Err(fail(
        "CLI_WARNINGS_UNCONFIRMED",
        format!(
            "the request has warnings ({}); check the numbers and repeat with --confirm-warnings to sign it",
            codes.join(", ")
        ),
    ))
}

async fn send(
    spec: &OptionalSpec,
    conn: &Conn,
    wait: u64,
    confirm_warnings: bool,
) -> Result<(), Failure> {
    let input = Input { stdin: conn.stdin };
    // Every request is checked against the rules before the card is touched.
    let specs = match spec.spec_args() {
        Some(s) => {
            let specs = s.specs()?;
            for s in &specs {
                s.check().map_err(|e| fail(e.code(), e.to_string()))?;
                check_warnings(s, confirm_warnings)?;
            }
            specs
        }
        None => Vec::new(),
    };
    let (key, iin) = card_for(conn, &input)?;
    let principal = sio_core::Iin::parse(&iin)
        .map(Principal::User)
        .map_err(|e| fail(e.code(), e.to_string()))?;
    let stores = open_stores(&conn.store, principal)?;

    // Sign each on the card and queue it: from here on it survives a crash or a dead channel.
    for s in &specs {
        let doc = requests::compose(s, &iin).map_err(|e| req_fail(&e))?;
        let text = requests::preview(&doc).map_err(|e| req_fail(&e))?;
        eprintln!("\nDocument to sign:\n{text}\n");
        let pin = Pin::new(input.secret("Signing PIN: ")?)?;
        let mut signer = sio_client::token::signing_signer(&key, pin)?;
        let signed = requests::sign(doc, &mut signer).map_err(|e| req_fail(&e))?;
        let id = stores
            .outbox
            .enqueue(&signed)
            .map_err(|e| fail(e.code(), e.to_string()))?;
        eprintln!("Queued request {id}.");
    }

    let (channel, session) = log_in(conn, &key, &input).await?;
    let outbox = &stores.outbox;
    let ofail = |e: sio_client::outbox::OutboxError| fail(e.code(), e.to_string());
    // Sent with the one rule for stale documents: a request that waited past the gateway's
    // signing window is signed again under its id (the signing PIN is asked for it).
    let flushed = outbox
        .send(&channel, &session, |id| {
            let signer = input
                .secret(&format!(
                    "Signing PIN (request {id} waited too long; sign it again): "
                ))
                .and_then(|p| Ok(Pin::new(p)?))
                .and_then(|pin| Ok(sio_client::token::signing_signer(&key, pin)?));
            match signer {
                Ok(s) => Some(Box::new(s) as Box<dyn sio_sign::Signer>),
                Err(f) => {
                    eprintln!(
                        "Request {id} is not signed again: {} ({})",
                        f.message, f.code
                    );
                    None
                }
            }
        })
        .await
        .map_err(ofail)?;
    for (id, r) in &flushed {
        match r {
            Ok(st) => out(&json!({"request_id": id, "status": status_json(st)})),
            Err(e) => out(
                &json!({"request_id": id, "status": {"state": "sent"}, "code": e.code(), "message": e.to_string()}),
            ),
        }
    }
    if let Some((_, Err(e))) = flushed.iter().find(|(_, r)| r.is_err()) {
        return Err(fail(
            e.code(),
            format!(
                "{e}; the request stays in the outbox and is sent again by the next `sio request send`"
            ),
        ));
    }
    if wait == 0 {
        return Ok(());
    }
    // Follow every accepted request to its result, straight into the vault.
    let waiting: Vec<_> = outbox
        .list()
        .map_err(ofail)?
        .into_iter()
        .filter(|i| matches!(i.status, OutboxStatus::Accepted | OutboxStatus::ResultReady))
        .map(|i| i.id())
        .collect();
    for id in waiting {
        let delivery = requests::wait_for_result(
            &channel,
            &session,
            id,
            Duration::from_secs(wait),
            |st, waited| {
                eprintln!(
                    "request {id}: {:?} after {:.1} s",
                    st.state,
                    waited.as_secs_f32()
                )
            },
        )
        .await
        .map_err(|e| req_fail(&e))?;
        let rid = requests::receive(&stores.vault, delivery).map_err(|e| req_fail(&e))?;
        outbox.remove(id).map_err(ofail)?;
        out(
            &json!({"request_id": id, "status": {"state": "result_ready"}, "result_id": rid.to_string()}),
        );
        eprintln!(
            "The result of {id} is in the vault, encrypted: `sio request view {id}` shows it once."
        );
    }
    Ok(())
}

fn list(store: &Store) -> Result<(), Failure> {
    let stores = open_stores(store, Principal::System("sio-cli".into()))?;
    let shredded = stores.vault.recovery().shredded.len();
    if shredded > 0 {
        eprintln!("{shredded} result(s) left open by an interrupted viewer were destroyed.");
    }
    for item in stores
        .outbox
        .list()
        .map_err(|e| fail(e.code(), e.to_string()))?
    {
        out(&json!({
            "request_id": item.id(),
            "service": item.signed.document.service,
            "status": status_json(&item.status),
            "queued_at": sio_core::time::format_astana(item.queued_at),
            "updated_at": sio_core::time::format_astana(item.updated_at),
        }));
    }
    // Access delayed more than one hour is an incident (2015 rr.38–44): the notice to send or print.
    for d in stores
        .outbox
        .delayed(chrono::Utc::now())
        .map_err(|e| fail(e.code(), e.to_string()))?
    {
        eprintln!("\n{}\n", d.text);
        out(&json!({
            "request_id": d.request_id,
            "status": {"state": "delayed"},
            "notice": d.text,
        }));
    }
    for r in stores
        .vault
        .list()
        .map_err(|e| fail(e.code(), e.to_string()))?
    {
        out(&json!({
            "request_id": r.meta.request_id,
            "result_id": r.id.to_string(),
            "status": {"state": "in_vault"},
            "size": r.size,
            "stored_at": sio_core::time::format_astana(r.stored_at),
            "viewed": r.first_viewed_at.is_some(),
        }));
    }
    Ok(())
}

/// The parts of a delivered result the terminal shows; wiped when dropped.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct Shown {
    title: String,
    truncated: bool,
    table: ShownTable,
}

#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct ShownTable {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn view(
    id: &str,
    store: &Store,
    reader: Option<&str>,
    stdin: bool,
    keep: bool,
) -> Result<(), Failure> {
    let input = Input { stdin };
    let (_key, iin) = unlock_card(reader, &input)?;
    let principal = sio_core::Iin::parse(&iin)
        .map(Principal::User)
        .map_err(|e| fail(e.code(), e.to_string()))?;
    let stores = open_stores(store, principal)?;
    let vfail = |e: sio_vault::VaultError| fail(e.code(), e.to_string());
    let by_request = stores.find_result(id).map_err(vfail)?;
    let rid = match ResultId::parse(id) {
        Ok(rid) if stores.vault.list().map_err(vfail)?.iter().any(|r| r.id == rid) => rid,
        _ => by_request.ok_or_else(|| {
                fail(
                    "CLI_RESULT_NOT_FOUND",
                    format!("no result of {id} in the vault (already viewed and destroyed, or not received yet)"),
                )
            })?,
    };
    let viewed = stores.vault.view(rid).map_err(vfail)?;
    let shown: Shown = serde_json::from_slice(viewed.plaintext()).map_err(|e| {
        fail(
            "CLI_RESULT_NOT_FOUND",
            format!("the result does not parse: {e}"),
        )
    })?;
    {
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "{}", shown.title);
        if shown.truncated {
            let _ = writeln!(o, "(truncated service: amounts are not provided)");
        }
        let _ = writeln!(o, "{}", shown.table.columns.join(" | "));
        for row in &shown.table.rows {
            let _ = writeln!(o, "{}", row.join(" | "));
        }
        let _ = o.flush();
    }
    drop(shown);
    let window_ended = keep
        && {
            eprintln!(
                "Press Enter to close; the result is destroyed when the viewer closes (at the latest {}).",
                sio_core::time::format_astana(viewed.expires_at())
            );
            !wait_for_enter_within_window(&viewed)
        };
    if window_ended {
        // Journaled by the vault with the reason `expired`.
        viewed.close_expired().map_err(vfail)?;
        eprintln!(
            "VAULT_RESULT_EXPIRED: the viewing time ended; the result was destroyed at {} (Astana time).",
            sio_core::time::format_astana(chrono::Utc::now())
        );
        return Ok(());
    }
    let report = viewed.close().map_err(vfail)?;
    eprintln!(
        "Result destroyed: key erased in {:?}, ciphertext removed.",
        report.erased_in
    );
    Ok(())
}

/// Wait for Enter (or the end of standard input), but no longer than the result's viewing
/// window (2015 r.52; `--view-minutes`), judged by the vault on the boot clock every second.
/// `true` when Enter came first, `false` when the window ended first.
fn wait_for_enter_within_window(viewed: &sio_vault::ViewedResult) -> bool {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let (tx, rx) = channel();
    // If the window ends first this thread stays blocked reading; the process exits soon after.
    let reader = std::thread::Builder::new()
        .name("sio-view-enter".into())
        .spawn(move || {
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            let _ = tx.send(());
        });
    if reader.is_err() {
        return true; // cannot wait for Enter: close now
    }
    loop {
        let Some(left) = viewed.time_left() else {
            return false;
        };
        match rx.recv_timeout(left.min(Duration::from_secs(1))) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return true,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}
