//! Reports, the workstation diagnosis, settings and the about box.

use chrono::NaiveDate;

use super::{App, bad_args, client, guard};
use crate::error::ErrorBody;
use crate::model::{AboutInfo, Settings};

impl App {
    /// `report`: the body's requests from `from` to `to` (dates, `YYYY-MM-DD`, Astana).
    pub async fn report(&self, from: &str, to: &str) -> Result<sio_protocol::Report, ErrorBody> {
        let date = |s: &str| {
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map_err(|e| bad_args(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
        };
        let (from, to) = (date(from)?, date(to)?);
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        sio_client::reports::fetch(&l.channel, &l.session, from, to)
            .await
            .map_err(client)
    }

    /// `diagnose`: the workstation self-check in the UI's shape.
    pub async fn diagnose(&self) -> Result<sio_workstation::UiReport, ErrorBody> {
        let mut config = sio_workstation::Config {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..sio_workstation::Config::default()
        };
        if let Ok(p) = self.policy() {
            config.policy = sio_workstation::Policy::from(p);
        }
        config.policy.data_dir = Some(self.inner.config.data_dir.clone());
        let report = sio_workstation::run(&config).await;
        Ok(sio_workstation::UiReport::from(&report))
    }

    /// `get_settings`.
    pub fn get_settings(&self) -> Settings {
        *guard(&self.inner.settings)
    }

    /// `set_settings`: kept in the data directory.
    pub fn set_settings(&self, settings: Settings) -> Result<Settings, ErrorBody> {
        *guard(&self.inner.settings) = settings;
        let dir = &self.inner.config.data_dir;
        let saved = std::fs::create_dir_all(dir).and_then(|()| {
            std::fs::write(
                dir.join("settings.json"),
                serde_json::to_vec(&settings).unwrap_or_default(),
            )
        });
        if let Err(e) = saved {
            tracing::warn!(error = %e, "settings not saved");
        }
        Ok(settings)
    }

    /// `about`.
    pub fn about(&self) -> AboutInfo {
        AboutInfo {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_version: sio_protocol::VERSION.to_owned(),
            core_version: env!("CARGO_PKG_VERSION").to_owned(),
            catalogue_version: "Order 34/2026 (Appendix 1) + Order 88/2024 (Appendix 2)".to_owned(),
            gateway: self.policy().ok().map(|p| p.gateway.url.clone()),
        }
    }
}
