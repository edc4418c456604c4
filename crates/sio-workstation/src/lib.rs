//! Workstation self-check for the helpdesk: does this computer meet Appendix 4 of the Rules (as
//! of Order No. 88/2024), is it air-gapped (consent §11.6), and do the card stack, the biometric
//! devices and the protected channel work?
//!
//! ```text
//!   Config { requirements (profile), policy (administrator) }
//!      │
//!   run(config) ──► hardware   /proc, /sys, statvfs            ─┐
//!                ├► network    routes, interfaces, proxy, DNS   │  Vec<Item>
//!                │             (+ probes listed in the policy)  ├─► Report ─► JSON / HTML / text
//!                ├► smart-card pcscd, readers, ATR catalogue,   │
//!                │             PKCS#11 modules, certificates    │
//!                ├► biometrics /dev/video*, fprintd (D-Bus)     │
//!                ├► channel    TLS to the gateway, pinned CA    │
//!                └► versions   app, OS, pcsc-lite, OpenSC      ─┘
//!   start_guard(policy): the passive air-gap check at client start (refuse | warn).
//! ```
//!
//! Every item has a stable code (`WS_…`, see docs/failure-codes.md), a status
//! ([`Status`]: pass, warn, fail, skipped), what was measured, the requirement with its source,
//! and what to do. The checks are implemented for Linux; the Windows equivalents are named in
//! each module.

pub mod airgap;
pub mod biometrics;
pub mod cards;
pub mod channel;
pub mod compliance;
pub mod config;
mod error;
pub mod hardware;
pub mod report;
mod sys;
pub mod ui;
pub mod versions;

use std::path::PathBuf;
use std::time::Duration;

pub use airgap::start_guard;
pub use config::{GatewayConfig, GuardAction, Policy, Requirements};
pub use error::{CODES, FINDINGS, WorkstationError};
pub use report::{Group, Item, Report, Status};
pub use ui::UiReport;

/// What to check and against what.
#[derive(Debug, Clone)]
pub struct Config {
    /// Thresholds (Appendix 4 by default).
    pub requirements: Requirements,
    /// The administrator's policy.
    pub policy: Policy,
    /// The groups to check (all by default).
    pub groups: Vec<Group>,
    /// The client's version, shown in the report.
    pub app_version: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            requirements: Requirements::default(),
            policy: Policy::default(),
            groups: Group::ALL.to_vec(),
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

impl Config {
    /// The data directory whose file system must have the free space.
    pub fn data_dir(&self) -> PathBuf {
        self.policy
            .data_dir
            .clone()
            .unwrap_or_else(hardware::default_data_dir)
    }
}

/// How long a group of blocking checks may take before it is reported as not answering.
const HARDWARE_TIMEOUT: Duration = Duration::from_secs(20);
/// The card stack can block when another application holds a card transaction or pcscd hangs.
const CARDS_TIMEOUT: Duration = Duration::from_secs(45);

/// Run the selected checks. Blocking parts (PC/SC, PKCS#11, /proc) run on tokio's blocking pool,
/// each group with a time limit: a group that does not finish in time is reported as one failed
/// (or warning) item instead of hanging the diagnosis. Callers that own the runtime should shut it
/// down with a timeout (`Runtime::shutdown_timeout`), as a hung driver call cannot be cancelled.
pub async fn run(config: &Config) -> Report {
    let mut items = Vec::new();
    for group in Group::ALL {
        if !config.groups.contains(&group) {
            continue;
        }
        match group {
            Group::Hardware => {
                // A profile below Appendix 4 is said so (issue 18; compliance.rs).
                items.extend(compliance::profile_item(&config.requirements));
                let (req, dir) = (config.requirements.clone(), config.data_dir());
                items.extend(
                    blocking(HARDWARE_TIMEOUT, move || hardware::check(&req, &dir), || {
                        timed_out("WS_DISK_FREE", Group::Hardware, "Free disk space", Status::Warn,
                            "Check that the data directory's disk (or a network mount) answers.")
                    })
                    .await,
                );
            }
            Group::Network => {
                // Only `refuse` meets consent §11.6 (issue 18; compliance.rs).
                items.push(compliance::airgap_policy_item(&config.policy));
                let policy = config.policy.clone();
                items.extend(
                    blocking(HARDWARE_TIMEOUT, move || airgap::passive(&policy), || {
                        timed_out("WS_AIRGAP_ROUTES", Group::Network, "Routes to other networks", Status::Fail,
                            "The air gap could not be checked: check the routing table by hand (`ip route`).")
                    })
                    .await,
                );
                items.push(airgap::probes(&config.policy).await);
            }
            Group::SmartCard => {
                let (req, policy) = (config.requirements.clone(), config.policy.clone());
                items.extend(
                    blocking(
                        CARDS_TIMEOUT,
                        move || cards::check(&req, &policy, std::time::SystemTime::now()),
                        || {
                            timed_out("WS_PCSC_SERVICE", Group::SmartCard, "Smart card service (pcscd)", Status::Fail,
                                "The card stack does not answer: close other programs that use the token, remove and re-insert it, then restart pcscd (`systemctl restart pcscd`).")
                        },
                    )
                    .await,
                );
            }
            Group::Biometrics => items.extend(biometrics::check().await),
            Group::Channel => {
                items.extend(channel::check(&config.requirements, &config.policy).await)
            }
            Group::Versions => {
                let v = config.app_version.clone();
                items.extend(
                    blocking(HARDWARE_TIMEOUT, move || versions::check(&v), || {
                        timed_out("WS_VERSION_PCSC", Group::Versions, "pcsc-lite", Status::Warn,
                            "A version query did not answer; quote the installed packages in the ticket.")
                    })
                    .await,
                );
            }
        }
    }
    Report::new(&config.app_version, items)
}

fn timed_out(code: &'static str, group: Group, title: &str, status: Status, action: &str) -> Item {
    let item = Item::new(code, group, title, "", report::FOR_SUPPORT);
    let measured = "no answer in time: the checks of this group did not finish";
    match status {
        Status::Fail => item.fail(measured, action),
        _ => item.warn(measured, action),
    }
}

async fn blocking(
    limit: Duration,
    f: impl FnOnce() -> Vec<Item> + Send + 'static,
    on_timeout: impl FnOnce() -> Item,
) -> Vec<Item> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(items)) => items,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a diagnosis task failed");
            Vec::new()
        }
        Err(_) => vec![on_timeout()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_group_that_hangs_is_reported_not_awaited() {
        let started = std::time::Instant::now();
        let items = blocking(
            Duration::from_millis(100),
            || {
                std::thread::sleep(Duration::from_secs(2));
                Vec::new()
            },
            || {
                timed_out(
                    "WS_PCSC_SERVICE",
                    Group::SmartCard,
                    "Smart card service (pcscd)",
                    Status::Fail,
                    "restart pcscd",
                )
            },
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].status, Status::Fail);
        assert!(items[0].measured.contains("no answer in time"));
    }
}
