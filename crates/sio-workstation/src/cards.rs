//! The smart-card stack: the PC/SC service, readers and their cards, the token's name from the
//! ATR catalogue, PKCS#11 modules and the certificates on the tokens.
//!
//! Linux: pcsc-lite's pcscd through the `pcsc` crate (via sio-token). Windows: the same PC/SC API
//! is WinSCard, served by the "Smart Card" service (SCardSvr; `sc query SCardSvr`); a stopped
//! service gives the same `SCARD_E_NO_SERVICE`. PKCS#11 modules are DLLs there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sio_sign::Carrier;
use sio_token::atr::{TokenPath, identify};
use sio_token::{
    CertificateInfo, PcscContext, PivSession, PivSlot, Pkcs11Module, TokenError, Validity,
};

use crate::config::{Policy, Requirements};
use crate::report::{APPENDIX_4, Group, Item, RULE_18};

/// OpenSC's PKCS#11 module, used when the policy lists none.
pub const OPENSC_PKCS11: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/opensc-pkcs11.so",
];

fn item(code: &'static str, title: &str, requirement: &str) -> Item {
    Item::new(code, Group::SmartCard, title, requirement, APPENDIX_4)
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A certificate found on a token, and where.
struct Found {
    location: String,
    info: CertificateInfo,
}

/// The smart-card items. Blocking (PC/SC and PKCS#11 calls).
pub fn check(req: &Requirements, policy: &Policy, now: SystemTime) -> Vec<Item> {
    let mut items = Vec::new();
    let mut certs: Vec<Found> = Vec::new();
    let mut tokens_seen = 0usize;

    let service = item(
        "WS_PCSC_SERVICE",
        "Smart card service (pcscd)",
        "the PC/SC service runs (driver for the signature carrier)",
    );
    let readers_item = item(
        "WS_PCSC_READERS",
        "Readers and cards",
        "a reader (or USB token) with the token inserted",
    );
    let token_item = Item::new(
        "WS_TOKEN_RECOGNISED",
        Group::SmartCard,
        "Token",
        "an NCA RK signature on a protected carrier (hardware token or smart card)",
        RULE_18,
    );
    match PcscContext::establish() {
        Err(e @ TokenError::NoService { .. }) => {
            items.push(service.fail(
                e.to_string(),
                "pcscd is not running: start it (`systemctl start pcscd`; on Windows start the \"Smart Card\" service). Install it with `apt install pcscd` if missing.",
            ));
            items.push(readers_item.skipped("the smart card service is not running"));
            items.push(token_item.skipped("the smart card service is not running"));
        }
        Err(e) => {
            items.push(service.fail(
                format!("{} ({})", e, e.code()),
                "Restart the smart card service (`systemctl restart pcscd`); if it persists, report the message.",
            ));
            items.push(readers_item.skipped("the smart card service did not answer"));
            items.push(token_item.skipped("the smart card service did not answer"));
        }
        Ok(mut ctx) => {
            items.push(service.pass("pcscd answers"));
            match ctx.readers() {
                Err(e) => {
                    items.push(readers_item.fail(
                        format!("{} ({})", e, e.code()),
                        "Reconnect the reader; restart pcscd if it persists.",
                    ));
                    items.push(token_item.skipped("readers could not be listed"));
                }
                Ok(readers) if readers.is_empty() => {
                    items.push(readers_item.fail(
                        "no reader connected",
                        "Connect the smart card reader or the USB token; install its driver (Debian: `pcscd` with `libccid`).",
                    ));
                    items.push(token_item.skipped("no reader"));
                }
                Ok(readers) => {
                    let measured = readers
                        .iter()
                        .map(|r| match &r.atr {
                            Some(atr) => format!("{}: card, ATR {}", r.name, hex(atr)),
                            None => format!("{}: empty", r.name),
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    let with_card: Vec<_> = readers.iter().filter(|r| r.atr.is_some()).collect();
                    if with_card.is_empty() {
                        items
                            .push(readers_item.warn(measured, "Insert the card or the USB token."));
                        items.push(token_item.warn("no token inserted", "Insert the token."));
                    } else {
                        items.push(readers_item.pass(measured));
                        let mut known = Vec::new();
                        let mut unknown = Vec::new();
                        for r in &with_card {
                            let atr = r.atr.as_deref().unwrap_or_default();
                            match identify(atr) {
                                Some(entry) => {
                                    known.push(format!("{}: {}", r.name, entry.name));
                                    if entry.path == TokenPath::Piv {
                                        certs.extend(piv_certificates(&mut ctx, &r.name));
                                    }
                                }
                                None => unknown.push(format!("{}: ATR {}", r.name, hex(atr))),
                            }
                        }
                        tokens_seen += with_card.len();
                        let measured = known
                            .iter()
                            .chain(unknown.iter().map(|u| u as &String))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("; ");
                        items.push(if unknown.is_empty() {
                            token_item.pass(measured)
                        } else if known.is_empty() {
                            token_item.warn(
                                measured,
                                "The token is not in the client's catalogue: it may still work through its PKCS#11 module (list it in the policy file); otherwise use a supported token.",
                            )
                        } else {
                            token_item.pass(measured)
                        });
                    }
                }
            }
        }
    }

    let (modules_item, mut p11_certs, p11_tokens) = pkcs11(policy);
    items.push(modules_item);
    tokens_seen += p11_tokens;
    certs.append(&mut p11_certs);
    items.push(certificates_item(req, certs, tokens_seen, now));
    items
}

fn piv_certificates(ctx: &mut PcscContext, reader: &str) -> Vec<Found> {
    let Ok(card) = ctx.connect(reader) else {
        return Vec::new();
    };
    let Ok(mut session) = PivSession::open(card) else {
        return Vec::new();
    };
    [PivSlot::Authentication, PivSlot::Signature]
        .into_iter()
        .filter_map(|slot| {
            session.certificate(slot).ok().map(|info| Found {
                location: format!("{reader} {slot}"),
                info,
            })
        })
        .collect()
}

/// The modules to load: the policy's, else OpenSC's if installed.
pub fn modules(policy: &Policy) -> Vec<PathBuf> {
    if !policy.pkcs11_modules.is_empty() {
        return policy.pkcs11_modules.clone();
    }
    OPENSC_PKCS11
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .take(1)
        .collect()
}

fn module_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn pkcs11(policy: &Policy) -> (Item, Vec<Found>, usize) {
    let it = item(
        "WS_PKCS11_MODULES",
        "PKCS#11 modules",
        "the token's PKCS#11 module loads",
    );
    let paths = modules(policy);
    if paths.is_empty() {
        return (
            it.skipped("no module in the policy and OpenSC is not installed"),
            Vec::new(),
            0,
        );
    }
    let mut lines = Vec::new();
    let mut failed = false;
    let mut software = false;
    let mut certs = Vec::new();
    let mut count = 0;
    for path in paths {
        let name = module_name(&path);
        let module = match Pkcs11Module::load(&path) {
            Ok(m) => m,
            Err(e) => {
                failed = true;
                lines.push(format!("{name}: does not load ({e})"));
                continue;
            }
        };
        match module.tokens() {
            Err(e) => {
                failed = true;
                lines.push(format!("{name}: loaded, tokens not listed ({e})"));
            }
            Ok(tokens) => {
                count += tokens.len();
                let names = tokens
                    .iter()
                    .map(|t| {
                        let kind = if t.carrier == Carrier::Hardware {
                            "hardware"
                        } else {
                            software = true;
                            "software: not allowed for login"
                        };
                        format!("\"{}\" ({kind})", t.label)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.push(format!(
                    "{name}: {} token(s){}{names}",
                    tokens.len(),
                    if tokens.is_empty() { "" } else { ": " }
                ));
                for t in &tokens {
                    let Ok(session) = module.open(t.slot_id) else {
                        continue;
                    };
                    for c in session.certificates().unwrap_or_default() {
                        certs.push(Found {
                            location: format!("{name} \"{}\" {}", t.label, c.label),
                            info: c.info,
                        });
                    }
                }
            }
        }
    }
    let measured = lines.join("; ");
    let it = if failed {
        it.fail(
            measured,
            "Install the token's driver (PKCS#11 module) and check its path in the policy file (Debian: `apt install opensc-pkcs11`).",
        )
    } else if software {
        it.warn(
            measured,
            "A software token holds keys on the file system: it cannot be used to log in; use a hardware token.",
        )
    } else {
        it.pass(measured)
    };
    (it, certs, count)
}

fn days_left(info: &CertificateInfo, now: SystemTime) -> Option<i64> {
    let end = chrono::DateTime::<chrono::Utc>::from(info.not_after);
    let now = chrono::DateTime::<chrono::Utc>::from(now);
    Some((end - now).num_days())
}

fn certificates_item(
    req: &Requirements,
    certs: Vec<Found>,
    tokens: usize,
    now: SystemTime,
) -> Item {
    let it = Item::new(
        "WS_TOKEN_CERTIFICATES",
        Group::SmartCard,
        "Certificates on the token",
        format!(
            "valid certificates; expiring in under {} days is a warning",
            req.certificate_warn_days
        ),
        RULE_18,
    );
    if tokens == 0 {
        return it.skipped("no token found");
    }
    let mut seen = BTreeSet::new();
    let certs: Vec<Found> = certs
        .into_iter()
        .filter(|c| seen.insert((c.info.issuer.clone(), c.info.serial_hex.clone())))
        .collect();
    if certs.is_empty() {
        return it.fail(
            "the token holds no certificate",
            "The token has no NCA RK certificate: have it issued (or re-issued) at the certification centre.",
        );
    }
    let horizon = now + Duration::from_secs(req.certificate_warn_days.saturating_mul(86_400));
    let mut expired = false;
    let mut expiring = false;
    let mut lines = Vec::new();
    for c in &certs {
        let who = c
            .info
            .common_name
            .clone()
            .unwrap_or_else(|| c.info.subject.clone());
        let state = match c.info.validity_at(now) {
            Validity::Expired => {
                expired = true;
                "EXPIRED".to_owned()
            }
            Validity::NotYetValid => {
                expired = true;
                "not yet valid".to_owned()
            }
            Validity::Valid if c.info.validity_at(horizon) == Validity::Expired => {
                expiring = true;
                format!(
                    "expires in {} days",
                    days_left(&c.info, now).map_or("few".into(), |d| d.to_string())
                )
            }
            Validity::Valid => format!(
                "valid, {} days left",
                days_left(&c.info, now).map_or("?".into(), |d| d.to_string())
            ),
        };
        lines.push(format!(
            "{who} until {} ({state}) [{}]",
            c.info.not_after_rfc3339(),
            c.location
        ));
    }
    let measured = lines.join("; ");
    if expired {
        it.fail(
            measured,
            "A certificate is expired or not yet valid: have it re-issued at the certification centre; check the computer's clock.",
        )
    } else if expiring {
        it.warn(
            measured,
            "A certificate expires soon: apply to the certification centre for a new one in time.",
        )
    } else {
        it.pass(measured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    fn cert_2030() -> CertificateInfo {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "ТЕСТОВ ТЕСТ");
        p.not_before = rcgen::date_time_ymd(2030, 1, 1);
        p.not_after = rcgen::date_time_ymd(2030, 12, 31);
        let c = p.self_signed(&key).expect("cert");
        CertificateInfo::from_der(c.der()).expect("parse")
    }

    fn at(y: i32, m: u32, d: u32) -> SystemTime {
        let t = chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date")
            .and_utc();
        SystemTime::from(t)
    }

    #[test]
    fn certificate_validity_and_expiry_warning() {
        let req = Requirements::default();
        let status = |now| {
            let found = vec![Found {
                location: "test".into(),
                info: cert_2030(),
            }];
            certificates_item(&req, found, 1, now)
        };
        let ok = status(at(2030, 6, 1));
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        assert!(ok.measured.contains("ТЕСТОВ ТЕСТ"));
        let soon = status(at(2030, 12, 20));
        assert_eq!(soon.status, Status::Warn, "{soon:?}");
        assert!(soon.measured.contains("expires in 10 days"), "{soon:?}");
        assert_eq!(status(at(2031, 1, 5)).status, Status::Fail);
        assert_eq!(status(at(2029, 1, 5)).status, Status::Fail, "not yet valid");
        assert_eq!(
            certificates_item(&req, Vec::new(), 1, at(2030, 6, 1)).status,
            Status::Fail,
            "a token without certificates"
        );
        assert_eq!(
            certificates_item(&req, Vec::new(), 0, at(2030, 6, 1)).status,
            Status::Skipped
        );
    }
}
