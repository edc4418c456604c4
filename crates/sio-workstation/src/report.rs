//! The report: items grouped by subject, each with a status, what was measured, the requirement
//! and where it comes from, and what to do. Serialisable to JSON; renders to one self-contained
//! HTML page (inline CSS, no external resources) to attach to a helpdesk ticket.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The requirement is met.
    Pass,
    /// Not proven wrong, but needs a look (unknown value, missing optional part).
    Warn,
    /// The requirement is not met.
    Fail,
    /// Not checked (not configured, or not selected).
    Skipped,
}

impl Status {
    /// Severity for "worst of": skipped < pass < warn < fail.
    fn rank(self) -> u8 {
        match self {
            Self::Skipped => 0,
            Self::Pass => 1,
            Self::Warn => 2,
            Self::Fail => 3,
        }
    }

    /// The worse of two statuses.
    pub fn worst(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skipped => "skipped",
        }
    }
}

/// What an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// CPU, memory, disk, network card, PDF.
    Hardware,
    /// The air gap: no route, proxy or resolver to other networks.
    Network,
    /// pcscd, readers, tokens, PKCS#11 modules, certificates.
    SmartCard,
    /// Cameras and fingerprint readers.
    Biometrics,
    /// TLS to the gateway over the protected channel.
    Channel,
    /// Versions of the app, the OS and the card stack.
    Versions,
}

impl Group {
    /// All groups in report order.
    pub const ALL: [Group; 6] = [
        Group::Hardware,
        Group::Network,
        Group::SmartCard,
        Group::Biometrics,
        Group::Channel,
        Group::Versions,
    ];

    /// Heading to show.
    pub fn title(self) -> &'static str {
        match self {
            Self::Hardware => "Hardware",
            Self::Network => "Network and air gap",
            Self::SmartCard => "Smart-card stack",
            Self::Biometrics => "Biometric devices",
            Self::Channel => "Protected channel",
            Self::Versions => "Versions",
        }
    }

    /// The name used on the command line and in JSON (`smart-card`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Hardware => "hardware",
            Self::Network => "network",
            Self::SmartCard => "smart-card",
            Self::Biometrics => "biometrics",
            Self::Channel => "channel",
            Self::Versions => "versions",
        }
    }
}

/// One checked requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable code of the check (`WS_…`, listed in docs/failure-codes.md).
    pub code: String,
    /// The group.
    pub group: Group,
    /// Short title.
    pub title: String,
    /// The outcome.
    pub status: Status,
    /// What was measured or found.
    pub measured: String,
    /// What is required.
    pub requirement: String,
    /// Where the requirement comes from.
    pub citation: String,
    /// What to do (empty when there is nothing to do).
    pub action: String,
}

/// Appendix 4 of the Rules, as amended by Order No. 88 of 4 July 2024.
pub const APPENDIX_4: &str = "Rules, Appendix 4 (as of Order No. 88 of 4 Jul 2024)";
/// Consent §11.6: no use from a computer with Internet access.
pub const CONSENT_11_6: &str =
    "Rules, Appendix 4 and Appendix 6 (consent) §11.6 (as of Order No. 88 of 4 Jul 2024)";
/// Rule 18 (multi-factor login).
pub const RULE_18: &str = "Rules, rule 18 (as of Order No. 88 of 4 Jul 2024)";
/// Not a legal requirement; for the helpdesk.
pub const FOR_SUPPORT: &str = "for the helpdesk (no legal requirement)";

impl Item {
    /// A new item; fill in the outcome with [`Item::pass`], [`Item::warn`], ...
    pub(crate) fn new(
        code: &'static str,
        group: Group,
        title: &str,
        requirement: impl Into<String>,
        citation: &str,
    ) -> Self {
        Self {
            code: code.to_owned(),
            group,
            title: title.to_owned(),
            status: Status::Skipped,
            measured: String::new(),
            requirement: requirement.into(),
            citation: citation.to_owned(),
            action: String::new(),
        }
    }

    fn outcome(mut self, status: Status, measured: impl Into<String>, action: &str) -> Self {
        self.status = status;
        self.measured = measured.into();
        self.action = action.to_owned();
        self
    }

    pub(crate) fn pass(self, measured: impl Into<String>) -> Self {
        self.outcome(Status::Pass, measured, "")
    }

    pub(crate) fn pass_note(self, measured: impl Into<String>, note: &str) -> Self {
        self.outcome(Status::Pass, measured, note)
    }

    pub(crate) fn warn(self, measured: impl Into<String>, action: &str) -> Self {
        self.outcome(Status::Warn, measured, action)
    }

    pub(crate) fn fail(self, measured: impl Into<String>, action: &str) -> Self {
        self.outcome(Status::Fail, measured, action)
    }

    pub(crate) fn skipped(self, why: impl Into<String>) -> Self {
        self.outcome(Status::Skipped, why, "")
    }
}

/// The whole diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Version of the client that made the report.
    pub app_version: String,
    /// When it was made, RFC 3339 UTC.
    pub generated_at: String,
    /// Host name of the workstation.
    pub host: String,
    /// The worst status of all items.
    pub status: Status,
    /// The items in group order.
    pub items: Vec<Item>,
}

impl Report {
    /// Build a report from items (sorted into group order, stable within a group).
    pub fn new(app_version: &str, mut items: Vec<Item>) -> Self {
        items.sort_by_key(|i| i.group);
        let status = items
            .iter()
            .fold(Status::Skipped, |acc, i| acc.worst(i.status));
        Self {
            app_version: app_version.to_owned(),
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            host: crate::sys::read_trimmed("/proc/sys/kernel/hostname").unwrap_or_default(),
            status,
            items,
        }
    }

    /// Whether any item failed.
    pub fn has_failures(&self) -> bool {
        self.items.iter().any(|i| i.status == Status::Fail)
    }

    /// The item with this code, if it was checked.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// Plain text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Workstation diagnosis — {} — {} — АРМ СИО ПСО {}",
            self.host, self.generated_at, self.app_version
        );
        for group in Group::ALL {
            let items: Vec<&Item> = self.items.iter().filter(|i| i.group == group).collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", group.title());
            for i in items {
                let _ = writeln!(
                    out,
                    "  [{:<7}] {}: {}",
                    i.status.as_str(),
                    i.title,
                    i.measured
                );
                if !i.requirement.is_empty() {
                    let _ = writeln!(
                        out,
                        "            required: {} ({})",
                        i.requirement, i.citation
                    );
                }
                if !i.action.is_empty() {
                    let _ = writeln!(out, "            what to do: {}", i.action);
                }
            }
        }
        let _ = writeln!(out, "\nOverall: {}", self.status.as_str());
        out
    }

    /// One self-contained HTML page (inline CSS, no scripts, no external resources).
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<title>Workstation diagnosis</title>\n<style>\n",
            "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n",
            "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\n",
            "table{border-collapse:collapse;width:100%;table-layout:fixed}\n",
            "th:nth-child(1){width:6em}th:nth-child(2){width:12em}th:nth-child(4){width:13em}\n",
            "th:nth-child(5){width:11em}th:nth-child(6){width:22%}.meta{table-layout:auto;width:auto}\n",
            "td{overflow-wrap:anywhere}\n",
            "th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}\n",
            "th{background:#f2f2f2}.s{font-weight:bold;text-transform:uppercase;white-space:nowrap}\n",
            ".pass{color:#17692b}.warn{color:#8a5a00}.fail{color:#b00020}.skipped{color:#666}\n",
            "code{font-size:.9em}.meta td{border:none;padding:.1em .6em .1em 0}\n",
            "@media print{body{margin:0}}\n</style>\n</head>\n<body>\n",
            "<h1>АРМ СИО ПСО — workstation diagnosis</h1>\n"
        ));
        let _ = writeln!(
            out,
            "<table class=\"meta\"><tr><td>Host</td><td>{}</td></tr><tr><td>Made at</td><td>{}</td></tr>\
             <tr><td>Client version</td><td>{}</td></tr><tr><td>Overall</td><td class=\"s {}\">{}</td></tr></table>",
            esc(&self.host),
            esc(&self.generated_at),
            esc(&self.app_version),
            self.status.as_str(),
            self.status.as_str()
        );
        for group in Group::ALL {
            let items: Vec<&Item> = self.items.iter().filter(|i| i.group == group).collect();
            if items.is_empty() {
                continue;
            }
            let _ = write!(
                out,
                "<h2>{}</h2>\n<table>\n<tr><th>Status</th><th>Check</th><th>Measured</th>\
                 <th>Requirement</th><th>Source</th><th>What to do</th></tr>\n",
                esc(group.title())
            );
            for i in items {
                let _ = writeln!(
                    out,
                    "<tr id=\"{code}\"><td class=\"s {st}\">{st}</td><td>{title}<br><code>{code}</code></td>\
                     <td>{m}</td><td>{r}</td><td>{c}</td><td>{a}</td></tr>",
                    code = esc(&i.code),
                    st = i.status.as_str(),
                    title = esc(&i.title),
                    m = esc(&i.measured),
                    r = esc(&i.requirement),
                    c = esc(&i.citation),
                    a = esc(&i.action),
                );
            }
            out.push_str("</table>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// Escape text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_and_html_escape() {
        assert_eq!(Status::Pass.worst(Status::Warn), Status::Warn);
        assert_eq!(Status::Fail.worst(Status::Warn), Status::Fail);
        assert_eq!(Status::Skipped.worst(Status::Pass), Status::Pass);
        let item = Item::new("WS_RAM", Group::Hardware, "RAM", "≥ 4 GB", APPENDIX_4)
            .fail("<script>1 GB</script>", "add memory & retry");
        let r = Report::new("0.1.0", vec![item]);
        assert_eq!(r.status, Status::Fail);
        let html = r.to_html();
        assert!(html.contains("&lt;script&gt;1 GB&lt;/script&gt;"));
        assert!(html.contains("add memory &amp; retry"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("http"), "no external resources");
        let json = serde_json::to_string(&r).expect("json");
        let back: Report = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, r);
        assert!(json.contains("\"status\":\"fail\""));
    }
}
