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
pub mod config;
mod error;
pub mod hardware;
pub mod report;
mod sys;
pub mod ui;
pub mod versions;

use std::path::PathBuf;

pub use airgap::start_guard;
pub use config::{GatewayConfig, GuardAction, Policy, Requirements};
pub use error::WorkstationError;
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

/// Run the selected checks. Blocking parts (PC/SC, PKCS#11, /proc) run on tokio's blocking pool.
pub async fn run(config: &Config) -> Report {
    let mut items = Vec::new();
    for group in Group::ALL {
        if !config.groups.contains(&group) {
            continue;
        }
        match group {
            Group::Hardware => {
                let (req, dir) = (config.requirements.clone(), config.data_dir());
                items.extend(blocking(move || hardware::check(&req, &dir)).await);
            }
            Group::Network => {
                let policy = config.policy.clone();
                items.extend(blocking(move || airgap::passive(&policy)).await);
                items.push(airgap::probes(&config.policy).await);
            }
            Group::SmartCard => {
                let (req, policy) = (config.requirements.clone(), config.policy.clone());
                items.extend(
                    blocking(move || cards::check(&req, &policy, std::time::SystemTime::now()))
                        .await,
                );
            }
            Group::Biometrics => items.extend(biometrics::check().await),
            Group::Channel => {
                items.extend(channel::check(&config.requirements, &config.policy).await)
            }
            Group::Versions => {
                let v = config.app_version.clone();
                items.extend(blocking(move || versions::check(&v)).await);
            }
        }
    }
    Report::new(&config.app_version, items)
}

async fn blocking(f: impl FnOnce() -> Vec<Item> + Send + 'static) -> Vec<Item> {
    match tokio::task::spawn_blocking(f).await {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "a diagnosis task failed");
            Vec::new()
        }
    }
}
