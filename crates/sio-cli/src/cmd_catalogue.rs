//! `sio catalogue`: the encoded tables, machine-readable or as a readable summary.

use std::io::Write;
use std::process::ExitCode;

use sio_core::catalogue::Catalogue;

/// Arguments of `sio catalogue`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the tables as JSON: {"bases":[…],"roles":[…],"services":[…]}.
    #[arg(long)]
    json: bool,
}

/// Run `sio catalogue`.
pub(crate) fn run(args: Args) -> ExitCode {
    let cat = Catalogue::build();
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer(&mut out, &cat)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        summary(&cat, &mut out)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`sio catalogue | head`) is not a failure worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sio catalogue: cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}

fn summary(cat: &Catalogue, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Bases:")?;
    for b in &cat.bases {
        writeln!(out, "  {} {:<14} {}", b.column, b.key, b.name_ru)?;
    }
    writeln!(out, "\nRoles (Appendix 1, Order 34/2026):")?;
    for r in &cat.roles {
        writeln!(out, "  {:>2}. {} [{}]", r.no, r.name_ru, r.bases.join(", "))?;
    }
    writeln!(out, "\nServices (Appendix 2, Order 88/2024):")?;
    for s in &cat.services {
        let access = serde_json::to_string(&s.access).map_err(std::io::Error::other)?;
        writeln!(out, "  {:>2}. {} {}", s.no, s.name_ru, access)?;
    }
    Ok(())
}
