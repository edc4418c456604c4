//! `sio gateway`: run the reference gateway, and the operator's admin commands.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use sio_gateway::admin::{Admin, NewEmergency, NewPlannedWork, NewUser};
use sio_gateway::{Gateway, GatewayConfig, TlsFiles};

/// Arguments of `sio gateway`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: GatewayCommand,
}

#[derive(Debug, Subcommand)]
enum GatewayCommand {
    /// Run the gateway (mutual TLS 1.3). Creates a demo PKI in --pki and demo users if absent.
    Run(RunArgs),
    /// Operator functions on the gateway's database.
    Admin(AdminArgs),
    /// Write a consistent copy of the gateway's database to FILE (safe while the gateway runs).
    Backup(BackupArgs),
    /// Replace the gateway's database with a backup FILE (stop the service first); the file
    /// must be a gateway database of this version's schema; the current one is kept beside it.
    Restore(BackupArgs),
}

#[derive(Debug, clap::Args)]
struct BackupArgs {
    /// The backup file.
    file: PathBuf,
    /// Data directory of the gateway.
    #[arg(long, default_value = "gateway-data")]
    data: PathBuf,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Data directory (SQLite database).
    #[arg(long, default_value = "gateway-data")]
    data: PathBuf,
    /// PKI directory (sio-pki layout); a demo PKI is generated there if it has no CA.
    #[arg(long, default_value = "gateway-pki")]
    pki: PathBuf,
    /// Address to listen on (loopback only in tests and demos).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Delay before a result is ready, milliseconds.
    #[arg(long, default_value_t = 3000)]
    result_delay_ms: u64,
    /// Do not add the demo users and cases.
    #[arg(long)]
    no_demo: bool,
    /// Face embedding model (MobileFaceNet `.tflite`) enabling the Face ID second factor.
    #[arg(long)]
    face_model: Option<PathBuf>,
    /// Certificate-policy OID (dotted) that marks an authentication key generated on a hardware
    /// token; repeat the option for several. Login is refused with any other certificate
    /// (GW_CARRIER_NOT_HARDWARE). Default: the test PKI's hardware policy.
    #[arg(long = "hardware-policy", value_name = "OID", value_parser = parse_oid)]
    hardware_policies: Vec<String>,
}

/// A dotted object identifier: at least two arcs of digits.
fn parse_oid(text: &str) -> Result<String, String> {
    let arcs: Vec<&str> = text.split('.').collect();
    let digits = |a: &&str| !a.is_empty() && a.len() <= 39 && a.bytes().all(|b| b.is_ascii_digit());
    if arcs.len() < 2 || !arcs.iter().all(digits) {
        return Err(format!(
            "{text:?} is not a dotted object identifier (e.g. 1.2.398.3.3.2.4)"
        ));
    }
    Ok(text.to_owned())
}

#[derive(Debug, clap::Args)]
struct AdminArgs {
    /// Data directory of the gateway.
    #[arg(long, default_value = "gateway-data")]
    data: PathBuf,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Record a fingerprint enrolment the helpdesk made at a workstation (`sio fingerprint
    /// enroll` there): verdicts for this user are then accepted only when signed by that
    /// workstation certificate's key. Journaled. Users cannot enrol themselves.
    EnrollFingerprint {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// The workstation certificate (PEM; `sio fingerprint workstation --out FILE` there).
        #[arg(long)]
        workstation_cert: PathBuf,
        /// The finger enrolled, as fprintd names it (e.g. `right-index-finger`).
        #[arg(long)]
        finger: String,
        /// The reader's name the verdicts must carry (default: any reader of that workstation).
        #[arg(long)]
        device: Option<String>,
        /// The helpdesk officer recording it (name or ИИН), for the journal.
        #[arg(long = "by")]
        operator: String,
    },
    /// End every fingerprint enrolment of a user. Journaled.
    RemoveFingerprint {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// The helpdesk officer (name or ИИН), for the journal.
        #[arg(long = "by")]
        operator: String,
    },
    /// A user's active fingerprint enrolments.
    FingerprintEnrolments {
        /// ИИН.
        #[arg(long)]
        iin: String,
    },
    /// Enrol a user's face for Face ID from several photos (at least 3 good ones).
    EnrollFace {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// Face embedding model (MobileFaceNet `.tflite`).
        #[arg(long)]
        model: PathBuf,
        /// Photos of the face alone (JPEG or PNG); repeat the option.
        #[arg(long = "image", required = true)]
        images: Vec<PathBuf>,
    },
    /// Add (or update) a registered user.
    AddUser {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// БИН of the body.
        #[arg(long)]
        org_bin: String,
        /// Name of the body.
        #[arg(long)]
        org_name: String,
        /// Role number (Appendix 1, 1–19); omit for HR-only users.
        #[arg(long)]
        role: Option<u8>,
        /// Mobile number for SMS codes, e.g. +77011234567.
        #[arg(long)]
        mobile: String,
        /// Grant reports access (rule 10).
        #[arg(long)]
        reports: bool,
        /// HR officer.
        #[arg(long)]
        hr: bool,
    },
    /// Approve a pending application (by id) or the pending registration of an ИИН. Journaled.
    Approve {
        /// Application id or ИИН.
        id: String,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Refuse a pending application (a refused registration removes the pending account).
    /// Journaled.
    Refuse {
        /// Application id.
        id: String,
        /// The reasons of the refusal (2015 rule 14: a refusal is motivated), shown to the
        /// official who filed the application.
        #[arg(long, alias = "reasons")]
        reason: String,
        /// The operator, for the journal and the signed refusal.
        #[arg(long, default_value = "operator")]
        by: String,
        /// PKI directory holding the operator's signing certificate and key
        /// (`operator.cert.pem`, `operator.key.pem`; `sio pki operator DIR` issues them): the
        /// refusal is a document signed by the operator (2015 rule 14).
        #[arg(long, default_value = "gateway-pki")]
        pki: PathBuf,
    },
    /// Block an account at once. Journaled.
    Block {
        /// ИИН.
        iin: String,
        /// Reason.
        #[arg(long, default_value = "operator")]
        reason: String,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Unblock a blocked account (its sessions ended with the block: the user logs in again).
    /// Journaled.
    Unblock {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Lift a lockout after failed attempts. Journaled.
    Unlock {
        /// ИИН.
        iin: String,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Mark a head of a body (only marked heads co-sign its HR applications), or remove the mark
    /// with --remove. Journaled.
    Head {
        /// ИИН of the head.
        #[arg(long)]
        iin: String,
        /// БИН of the body.
        #[arg(long)]
        org: String,
        /// Full name.
        #[arg(long, default_value = "")]
        name: String,
        /// Position.
        #[arg(long, default_value = "")]
        position: String,
        /// Remove the mark instead.
        #[arg(long)]
        remove: bool,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// List the heads of every body.
    Heads,
    /// Record a body's code in ЕРДР («СДТБТ ұйымының коды» of the HR application form, 2015
    /// Appendix 5; kk rule 5: СДТБТ is ЕРДР). Journaled.
    OrgCode {
        /// БИН of the body.
        #[arg(long)]
        org: String,
        /// Its code in ЕРДР (1–12 digits).
        #[arg(long)]
        code: String,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Set a user's HR and reports rights (e.g. again after a transfer reset them). Journaled.
    Rights {
        /// ИИН.
        #[arg(long)]
        iin: String,
        /// HR officer (files applications for the staff of their body).
        #[arg(long)]
        hr: bool,
        /// Reports access (rule 10, on a motivated letter).
        #[arg(long)]
        reports: bool,
        /// The operator, for the journal.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Put a case into a user's proceedings (rule 5).
    AssignCase {
        /// ИИН of the user.
        #[arg(long)]
        iin: String,
        /// Basis key: criminal, admin_court, admin_offence, civil_court, enforcement, wanted.
        #[arg(long)]
        basis: String,
        /// Case key: ЕРДР number, or number/year for court cases.
        #[arg(long)]
        case: String,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
    },
    /// Add the demo users and cases.
    SeedDemo,
    /// List users.
    Users,
    /// List the SMS outbox (codes are shown while usable).
    SmsOutbox,
    /// List the access journal, newest first.
    Journal {
        /// How many records.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// List HR applications.
    Applications,
    /// The emergency journal (access delays over one hour; 2015 rr.41–43, Appendix 7).
    Emergency {
        #[command(subcommand)]
        command: EmergencyCommand,
    },
    /// Planned technical works published to users (2015 r.44).
    PlannedWorks {
        #[command(subcommand)]
        command: PlannedWorksCommand,
    },
}

#[derive(Debug, Subcommand)]
enum EmergencyCommand {
    /// Record an emergency delaying access by more than one hour (2015 r.43, Appendix 7): the
    /// section of the form, the cause, the measures taken, who is responsible, start and end.
    /// A delay of one hour or less is refused (GW_EMERGENCY_UNDER_HOUR) unless --ongoing.
    Add {
        /// The section of Appendix 7: 1 server-room equipment, 2 premises, 3 fire alarm,
        /// 4 air conditioning, 5 power supply, 6 flooding; omit for another cause.
        #[arg(long)]
        section: Option<u8>,
        /// The cause (r.43).
        #[arg(long)]
        cause: String,
        /// The actions / measures taken to remove the delay (r.43, Appendix 7 "Действия").
        #[arg(long)]
        measures: String,
        /// Who is responsible (Appendix 7 "Ответственный").
        #[arg(long)]
        responsible: String,
        /// The time needed at most, minutes (Appendix 7 "Необходимое время (max)").
        #[arg(long)]
        max_minutes: Option<u32>,
        /// ИИН of the user who reported it (r.42), if a user did.
        #[arg(long)]
        user: Option<String>,
        /// Start, RFC 3339 (e.g. 2026-03-01T10:00:00+05:00).
        #[arg(long)]
        from: String,
        /// End, RFC 3339.
        #[arg(long, conflicts_with = "ongoing")]
        until: Option<String>,
        /// Still going on: recorded now, closed later with `emergency close`.
        #[arg(long)]
        ongoing: bool,
        /// Who records it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Close an ongoing emergency with its end.
    Close {
        /// The entry's id.
        id: i64,
        /// End, RFC 3339.
        #[arg(long)]
        until: String,
        /// Who records it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// List the emergency journal (JSON).
    List,
    /// Export the journal in the columns of Appendix 7 and r.43 (CSV or PDF).
    Export {
        /// csv or pdf.
        #[arg(long, value_parser = ["csv", "pdf"])]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum PlannedWorksCommand {
    /// Publish a planned technical work to users in advance (2015 r.44): the app and `sio
    /// notices` show it until it ends.
    Add {
        /// Start, RFC 3339 (e.g. 2026-12-12T22:00:00+05:00).
        #[arg(long)]
        from: String,
        /// End, RFC 3339.
        #[arg(long)]
        until: String,
        /// What is done and what it affects, in Russian.
        #[arg(long)]
        description_ru: String,
        /// The same in Kazakh.
        #[arg(long)]
        description_kk: String,
        /// Who publishes it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// List every planned work published (JSON).
    List,
    /// Cancel a published planned work.
    Cancel {
        /// Its id.
        id: i64,
        /// Who cancels it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
}

/// Run `sio gateway`.
pub(crate) fn run(args: Args) -> ExitCode {
    match args.command {
        GatewayCommand::Run(a) => run_gateway(a),
        GatewayCommand::Backup(a) => backup_restore(&a, false),
        GatewayCommand::Restore(a) => backup_restore(&a, true),
        GatewayCommand::Admin(a) => match admin(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error {}: {e}", e.code());
                ExitCode::FAILURE
            }
        },
    }
}

fn backup_restore(a: &BackupArgs, restore: bool) -> ExitCode {
    let done = if restore {
        sio_gateway::backup::restore(&a.data, &a.file)
    } else {
        sio_gateway::backup::backup(&a.data, &a.file)
    };
    match done {
        Ok(info) => {
            print_json(&info);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

fn ensure_pki(dir: &Path) -> Result<(), String> {
    if dir.join(sio_pki::paths::CA_CERT).exists() {
        // A demo PKI of before the operator's certificate (2015 r.14 refusals) gains one.
        if !dir.join(sio_pki::paths::OPERATOR_CERT).exists()
            && dir.join(sio_pki::paths::CA_KEY).exists()
        {
            let issued = sio_pki::issue_operator(dir).map_err(|e| format!("{}: {e}", e.code()))?;
            eprintln!(
                "issued the operator's certificate {}",
                issued.cert_path.display()
            );
        }
        return Ok(());
    }
    let pki = sio_pki::generate(dir, &sio_pki::PkiSpec::demo())
        .map_err(|e| format!("{}: {e}", e.code()))?;
    eprintln!("generated a demo PKI in {}", pki.dir.display());
    for u in &pki.users {
        eprintln!("  user {}: {}", u.id, u.auth.cert_path.display());
    }
    Ok(())
}

fn run_gateway(a: RunArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    if let Err(e) = ensure_pki(&a.pki) {
        eprintln!("error {e}");
        return ExitCode::FAILURE;
    }
    if !a.no_demo {
        if let Err(e) = Admin::open(&a.data).and_then(|adm| adm.seed_demo()) {
            eprintln!("error {}: {e}", e.code());
            return ExitCode::FAILURE;
        }
    }
    let mut config = GatewayConfig::new(a.listen, a.data, TlsFiles::from_pki_dir(&a.pki));
    config.result_delay = Duration::from_millis(a.result_delay_ms);
    config.face_model = a.face_model;
    if !a.hardware_policies.is_empty() {
        config.hardware_carrier_policies = a.hardware_policies;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let handle = match Gateway::start(config).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error {}: {e}", e.code());
                return ExitCode::FAILURE;
            }
        };
        println!("gateway listening on https://{}", handle.local_addr());
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
        ExitCode::SUCCESS
    })
}

fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => crate::print_line(&s),
        Err(e) => eprintln!("error: {e}"),
    }
}

fn admin(a: AdminArgs) -> Result<(), sio_gateway::GwError> {
    let adm = Admin::open(&a.data)?;
    match a.command {
        AdminCommand::AddUser {
            iin,
            name,
            org_bin,
            org_name,
            role,
            mobile,
            reports,
            hr,
        } => adm.add_user(&NewUser {
            iin,
            full_name: name,
            organisation_bin: org_bin,
            organisation_name: org_name,
            role,
            mobile,
            reports,
            hr,
        })?,
        AdminCommand::Approve { id, by } => adm.as_operator(&by).approve(&id)?,
        AdminCommand::Refuse {
            id,
            reason,
            by,
            pki,
        } => {
            let mut signer = Admin::operator_signer(&pki)?;
            adm.as_operator(&by).refuse(&id, &reason, &mut signer)?;
        }
        AdminCommand::Block { iin, reason, by } => adm.as_operator(&by).block(&iin, &reason)?,
        AdminCommand::Unblock { iin, by } => adm.as_operator(&by).unblock(&iin)?,
        AdminCommand::Unlock { iin, by } => adm.as_operator(&by).unlock(&iin)?,
        AdminCommand::Head {
            iin,
            org,
            name,
            position,
            remove,
            by,
        } => {
            let adm = adm.as_operator(&by);
            if remove {
                if !adm.unmark_head(&iin, &org)? {
                    eprintln!("{iin} was not marked as a head of {org}");
                }
            } else {
                adm.mark_head(&iin, &org, &name, &position)?;
            }
        }
        AdminCommand::Heads => print_json(&adm.heads()?),
        AdminCommand::OrgCode { org, code, by } => {
            adm.as_operator(&by).set_erdr_code(&org, &code)?
        }
        AdminCommand::Rights {
            iin,
            hr,
            reports,
            by,
        } => adm.as_operator(&by).set_rights(&iin, hr, reports)?,
        AdminCommand::AssignCase {
            iin,
            basis,
            case,
            title,
        } => {
            let basis: sio_core::Basis = basis.parse()?;
            adm.assign_case(&iin, basis, &case, &title)?;
        }
        AdminCommand::EnrollFingerprint {
            iin,
            workstation_cert,
            finger,
            device,
            operator,
        } => {
            let cert = std::fs::read(&workstation_cert).map_err(|e| {
                sio_gateway::GwError::AdminInput(format!("{}: {e}", workstation_cert.display()))
            })?;
            let finger = sio_protocol::Finger::from_name(&finger).ok_or_else(|| {
                sio_gateway::GwError::AdminInput(format!(
                    "--finger {finger:?}: a name like right-index-finger"
                ))
            })?;
            print_json(
                &adm.enroll_fingerprint(&sio_gateway::fingerprint::HelpdeskEnrolment {
                    iin: &iin,
                    workstation_certificate: &cert,
                    finger,
                    device: device.as_deref(),
                    operator: &operator,
                })?,
            );
        }
        AdminCommand::RemoveFingerprint { iin, operator } => {
            print_json(&serde_json::json!({"ended": adm.remove_fingerprint(&iin, &operator)?}));
        }
        AdminCommand::FingerprintEnrolments { iin } => {
            print_json(&adm.fingerprint_enrolments(&iin)?);
        }
        AdminCommand::EnrollFace { iin, model, images } => {
            print_json(&adm.enroll_face(&iin, &model, &images)?);
        }
        AdminCommand::SeedDemo => adm.seed_demo()?,
        AdminCommand::Users => print_json(&adm.users()?),
        AdminCommand::SmsOutbox => print_json(&adm.sms_outbox()?),
        AdminCommand::Journal { limit } => print_json(&adm.journal(limit)?),
        AdminCommand::Applications => print_json(&adm.applications()?),
        AdminCommand::Emergency { command } => match command {
            EmergencyCommand::Add {
                section,
                cause,
                measures,
                responsible,
                max_minutes,
                user,
                from,
                until,
                ongoing,
                by,
            } => {
                let id = adm.as_operator(&by).emergency_add(&NewEmergency {
                    section,
                    cause,
                    measures,
                    responsible,
                    max_minutes,
                    reported_by: user,
                    started_at: from,
                    ended_at: until,
                    ongoing,
                })?;
                crate::print_line(&id.to_string());
            }
            EmergencyCommand::Close { id, until, by } => {
                adm.as_operator(&by).emergency_close(id, &until)?;
            }
            EmergencyCommand::List => print_json(&adm.emergency_list()?),
            EmergencyCommand::Export { format, out } => {
                let bytes = if format == "pdf" {
                    adm.emergency_pdf()?
                } else {
                    adm.emergency_csv()?.into_bytes()
                };
                std::fs::write(&out, bytes).map_err(|e| {
                    sio_gateway::GwError::AdminInput(format!("--out {}: {e}", out.display()))
                })?;
                crate::print_line(&out.display().to_string());
            }
        },
        AdminCommand::PlannedWorks { command } => match command {
            PlannedWorksCommand::Add {
                from,
                until,
                description_ru,
                description_kk,
                by,
            } => {
                let id = adm.as_operator(&by).planned_add(&NewPlannedWork {
                    starts_at: from,
                    ends_at: until,
                    description_ru,
                    description_kk,
                })?;
                crate::print_line(&id.to_string());
            }
            PlannedWorksCommand::List => print_json(&adm.planned_list()?),
            PlannedWorksCommand::Cancel { id, by } => adm.as_operator(&by).planned_cancel(id)?,
        },
    }
    Ok(())
}
