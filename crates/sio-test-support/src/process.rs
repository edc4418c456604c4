//! The reference gateway as its own process (`sio gateway run`), for tests that kill it with
//! SIGKILL and start it again on the same data directory and port.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Stdio};

use crate::sio;

/// A free port on 127.0.0.1 (bound, read and released: the gateway binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How to start `sio gateway run`: its data and PKI directories, the address, the result
/// delay, extra options (e.g. `--hardware-policy`), the file its log is appended to.
#[derive(Debug, Clone)]
pub struct GatewayRun {
    /// `--data`.
    pub data: PathBuf,
    /// `--pki` (the sio-pki layout; the test PKI).
    pub pki: PathBuf,
    /// `--listen`.
    pub listen: SocketAddr,
    /// `--result-delay-ms`.
    pub result_delay_ms: u64,
    /// More options.
    pub extra: Vec<String>,
    /// Standard error goes here (appended).
    pub log: PathBuf,
}

/// A running `sio gateway run`. Killed (SIGKILL) when dropped.
pub struct GatewayProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _stdout: BufReader<ChildStdout>,
}

impl GatewayProcess {
    /// Start it and wait for its `gateway listening on https://…` line.
    pub fn start(run: &GatewayRun) -> GatewayProcess {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&run.log)
            .unwrap();
        let mut child = sio(&["gateway", "run", "--listen"])
            .arg(run.listen.to_string())
            .arg("--result-delay-ms")
            .arg(run.result_delay_ms.to_string())
            .arg("--data")
            .arg(&run.data)
            .arg("--pki")
            .arg(&run.pki)
            .args(&run.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("gateway listening on https://")
            .unwrap_or_else(|| {
                panic!(
                    "gateway did not start: {line:?} (log {})",
                    run.log.display()
                )
            })
            .parse()
            .unwrap();
        GatewayProcess {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident set size in KiB (`VmRSS` of `/proc/<pid>/status`).
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` of process `pid` in KiB (0 if it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
