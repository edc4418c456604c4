//! The report in the shape of the UI's diagnosis page (`DiagnosisReport` in
//! ui/src/lib/backend/index.ts): one row per UI id (`cpu`, `ram`, `disk`, `network`, `internet`,
//! `reader`, `token`, `biometric`, `webcam`, `channel`, `clock`, `pdf`), level `pass | warn | fail`,
//! the measured text, and the code of the worst check when it is not a pass. Items that map to
//! the same id are merged (worst level wins); skipped checks and versions are left out.

use serde::{Deserialize, Serialize};

use crate::report::{Report, Status};

/// One row of the UI's diagnosis page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiItem {
    /// The UI's id; it looks up the title and what-to-do text by it.
    pub id: String,
    /// `pass`, `warn` or `fail`.
    pub level: Status,
    /// What was measured (not translated).
    pub measured: String,
    /// The `WS_…` code of the worst check, when the row is not a pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The UI's diagnosis report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiReport {
    /// When the checks ran.
    pub generated_at: String,
    /// The rows.
    pub items: Vec<UiItem>,
}

/// The UI id of a check, or `None` for checks the page does not show.
pub fn ui_id(code: &str) -> Option<&'static str> {
    Some(match code {
        "WS_CPU_CLOCK" => "cpu",
        "WS_RAM" => "ram",
        "WS_DISK_FREE" => "disk",
        "WS_NIC_SPEED" => "network",
        "WS_PDF" => "pdf",
        c if c.starts_with("WS_AIRGAP_") => "internet",
        "WS_PCSC_SERVICE" | "WS_PCSC_READERS" => "reader",
        "WS_TOKEN_RECOGNISED" | "WS_PKCS11_MODULES" | "WS_TOKEN_CERTIFICATES" => "token",
        "WS_FINGERPRINT" | "WS_BIOMETRIC_DEVICE" => "biometric",
        "WS_CAMERA" => "webcam",
        "WS_CHANNEL_TLS" => "channel",
        "WS_CLOCK_SKEW" => "clock",
        _ => return None,
    })
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Skipped | Status::Pass => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    }
}

impl From<&Report> for UiReport {
    fn from(r: &Report) -> Self {
        let mut items: Vec<UiItem> = Vec::new();
        for i in r.items.iter().filter(|i| i.status != Status::Skipped) {
            let Some(id) = ui_id(&i.code) else { continue };
            let code = (i.status != Status::Pass).then(|| i.code.clone());
            match items.iter_mut().find(|u| u.id == id) {
                Some(u) => {
                    if !i.measured.is_empty() {
                        u.measured = format!("{}; {}", u.measured, i.measured);
                    }
                    if rank(i.status) > rank(u.level) {
                        u.level = i.status;
                        u.code = code;
                    }
                }
                None => items.push(UiItem {
                    id: id.to_owned(),
                    level: i.status,
                    measured: i.measured.clone(),
                    code,
                }),
            }
        }
        Self {
            generated_at: r.generated_at.clone(),
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{APPENDIX_4, Group, Item};

    #[test]
    fn merged_rows_take_the_worst_level() {
        let r = Report::new(
            "0.1.0",
            vec![
                Item::new("WS_AIRGAP_ROUTES", Group::Network, "Routes", "", APPENDIX_4)
                    .fail("default via 192.0.2.1", "remove it"),
                Item::new("WS_AIRGAP_PROXY", Group::Network, "Proxy", "", APPENDIX_4).pass("none"),
                Item::new("WS_AIRGAP_PROBE", Group::Network, "Probe", "", APPENDIX_4)
                    .skipped("none"),
                Item::new("WS_RAM", Group::Hardware, "RAM", "", APPENDIX_4).pass("8 GB"),
            ],
        );
        let ui = UiReport::from(&r);
        assert_eq!(ui.items.len(), 2);
        let ram = &ui.items[0];
        assert_eq!(
            (ram.id.as_str(), ram.level, ram.code.as_deref()),
            ("ram", Status::Pass, None)
        );
        let net = &ui.items[1];
        assert_eq!(net.id, "internet");
        assert_eq!(net.level, Status::Fail);
        assert_eq!(net.code.as_deref(), Some("WS_AIRGAP_ROUTES"));
        assert_eq!(net.measured, "default via 192.0.2.1; none");
        let json = serde_json::to_value(&ui).expect("json");
        assert_eq!(json["items"][0]["level"], "pass");
        assert!(json["items"][0].get("code").is_none());
    }
}
