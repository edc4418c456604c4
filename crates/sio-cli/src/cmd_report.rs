//! `sio report`: a supervisor's report of the body's requests for a period (rule 10), from the
//! gateway, exported as CSV and PDF. Logs in like `sio request send` (card PIN, SMS code).

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use serde_json::json;
use sio_client::reports::{self, Filter};

use crate::cmd_login::{Input, fail};
use crate::cmd_request::{Conn, finish};

/// Arguments of `sio report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// First day (Astana date, YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// Last day, inclusive.
    #[arg(long)]
    to: NaiveDate,
    /// Write the CSV here (UTF-8 with BOM, CRLF).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write the PDF here.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Language of the PDF's labels and names.
    #[arg(long, value_enum, default_value = "ru")]
    lang: Lang,
    /// Only this user (ИИН).
    #[arg(long)]
    user: Option<String>,
    /// Only this service.
    #[arg(long)]
    service: Option<u8>,
    /// Only case numbers containing this text.
    #[arg(long)]
    case: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Lang {
    Kk,
    Ru,
    En,
}

/// Run `sio report`.
pub(crate) fn run(args: Args) -> ExitCode {
    let Some(rt) = crate::runtime("report") else {
        return ExitCode::FAILURE;
    };
    finish("report", rt.block_on(report(args)))
}

async fn report(args: Args) -> Result<(), crate::cmd_login::Failure> {
    let input = Input {
        stdin: args.conn.stdin,
    };
    let (key, _iin) = crate::cmd_request::card_for(&args.conn, &input)?;
    let (channel, session) = crate::cmd_request::log_in(&args.conn, &key, &input).await?;
    let report = reports::fetch(&channel, &session, args.from, args.to).await?;
    let filter = Filter {
        user_iin: args.user.clone(),
        service: args.service,
        case_contains: args.case.clone(),
    };
    let rows = report.rows.iter().filter(|r| filter.matches(r)).count();
    let write = |path: &PathBuf, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| fail("CLI_OUTPUT", format!("{}: {e}", path.display())))
    };
    if let Some(path) = &args.csv {
        write(path, reports::to_csv(&report, &filter).as_bytes())?;
    }
    if let Some(path) = &args.pdf {
        let lang = match args.lang {
            Lang::Kk => sio_pdf::Lang::Kk,
            Lang::Ru => sio_pdf::Lang::Ru,
            Lang::En => sio_pdf::Lang::En,
        };
        let font = reports::pdf_font();
        write(
            path,
            &reports::to_pdf(&report, &filter, lang, font.as_ref()),
        )?;
    }
    let _ = session.logout(&channel).await;
    println!(
        "{}",
        json!({"ok": true, "organisation_bin": report.organisation_bin, "from": report.from, "to": report.to, "rows": rows})
    );
    Ok(())
}
