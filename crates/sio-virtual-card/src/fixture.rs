//! Test fixture: the real card stack (pcscd + vpcd + this virtual card as a separate process),
//! brought up with `scripts/card-up.sh` and serialised between tests and test binaries with an
//! exclusive lock on [`LOCK_PATH`].
//!
//! ```no_run
//! use sio_virtual_card::fixture::{CardStack, StackOptions};
//! let stack = CardStack::up(StackOptions::new("/tmp/sio-card-mytests").provision(true))?;
//! // ... use the card through PC/SC or PKCS#11 (OpenSC) ...
//! stack.remove()?; // card removal as pcscd sees it
//! stack.insert()?;
//! # Ok::<(), sio_virtual_card::fixture::FixtureError>(())
//! ```

use std::{
    fs::{self, File, OpenOptions},
    io,
    path::{Path, PathBuf},
    process::{Command, Output},
    thread,
    time::{Duration, Instant},
};

use crate::READER_NAME;

/// Lock file every user of the one virtual slot holds while using it.
pub const LOCK_PATH: &str = "/tmp/sio-card.lock";
/// OpenSC's PKCS#11 module on Debian 12 (amd64).
pub const OPENSC_PKCS11: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// Errors of the fixture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The lock file could not be opened or locked.
    #[error("locking {LOCK_PATH}: {0}")]
    Lock(io::Error),
    /// A helper program could not be run.
    #[error("running {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Cause.
        source: io::Error,
    },
    /// A helper program failed.
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        /// The program.
        program: String,
        /// Exit status.
        status: String,
        /// Its standard error.
        stderr: String,
    },
    /// The control file could not be written.
    #[error("writing the card's control file: {0}")]
    Control(io::Error),
    /// The card did not reach the wanted presence in time.
    #[error("card in \"{READER_NAME}\" not {wanted} after {waited:?}")]
    Timeout {
        /// "present", "absent" or "holding an APDU".
        wanted: &'static str,
        /// How long the fixture waited.
        waited: Duration,
    },
}

impl FixtureError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Lock(_) => "VCARD_LOCK",
            Self::Spawn { .. } => "VCARD_SPAWN",
            Self::Failed { .. } => "VCARD_TOOL_FAILED",
            Self::Control(_) => "VCARD_CONTROL",
            Self::Timeout { .. } => "VCARD_TIMEOUT",
        }
    }
}

/// How to bring the stack up.
#[derive(Debug, Clone)]
pub struct StackOptions {
    state: PathBuf,
    reset: bool,
    provision: bool,
    bin: Option<PathBuf>,
}

impl StackOptions {
    /// Card state in `state` (kept between runs unless [`StackOptions::reset`]).
    pub fn new(state: impl Into<PathBuf>) -> Self {
        Self {
            state: state.into(),
            reset: false,
            provision: false,
            bin: None,
        }
    }
    /// Start the card blank (default PIN, PUK and management key; no keys, no certificates).
    pub fn reset(mut self, reset: bool) -> Self {
        self.reset = reset;
        self
    }
    /// Make sure slots 9A and 9C hold keys and certificates (see [`CardStack::pki_dir`]).
    pub fn provision(mut self, provision: bool) -> Self {
        self.provision = provision;
        self
    }
    /// Use this `sio-virtual-card` binary instead of building one with cargo.
    pub fn bin(mut self, bin: impl Into<PathBuf>) -> Self {
        self.bin = Some(bin.into());
        self
    }
}

/// The running stack. Holds the lock until dropped; the card keeps running afterwards (the next
/// user reuses it), but is inserted again if it was removed.
#[derive(Debug)]
pub struct CardStack {
    _lock: File,
    opts: StackOptions,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a program, returning its output if it exited successfully.
pub fn run(program: &str, args: &[&str], env: &[(&str, &Path)]) -> Result<Output, FixtureError> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|source| FixtureError::Spawn {
        program: program.to_owned(),
        source,
    })?;
    if !out.status.success() {
        return Err(FixtureError::Failed {
            program: format!("{program} {}", args.join(" ")),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(out)
}

/// Whether pcscd reports a card in [`READER_NAME`] (`opensc-tool -l`).
pub fn card_present() -> bool {
    card_present_in(READER_NAME)
}

/// Whether pcscd reports a card in `reader` (`opensc-tool -l`).
pub fn card_present_in(reader: &str) -> bool {
    let Ok(out) = Command::new("opensc-tool").arg("-l").output() else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout).lines().any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        cols.get(1) == Some(&"Yes") && line.trim_end().ends_with(reader)
    })
}

/// Waits until [`card_present`] equals `present`.
pub fn wait_presence(present: bool, timeout: Duration) -> Result<(), FixtureError> {
    wait_presence_in(READER_NAME, present, timeout)
}

fn wait_presence_in(reader: &str, present: bool, timeout: Duration) -> Result<(), FixtureError> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if card_present_in(reader) == present {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(FixtureError::Timeout {
        wanted: if present { "present" } else { "absent" },
        waited: timeout,
    })
}

/// Runs `scripts/card-up.sh` with these options.
fn card_up(opts: &StackOptions) -> Result<(), FixtureError> {
    let script = workspace_root().join("scripts/card-up.sh");
    let script = script.to_string_lossy();
    let mut args = Vec::new();
    if opts.reset {
        args.push("--reset");
    }
    if opts.provision {
        args.push("--provision");
    }
    let mut env: Vec<(&str, &Path)> = vec![("SIO_CARD_STATE", &opts.state)];
    if let Some(bin) = &opts.bin {
        env.push(("SIO_CARD_BIN", bin));
    }
    run(&script, &args, &env).map(drop)
}

impl CardStack {
    /// Takes the lock (waiting for other users), then runs `scripts/card-up.sh`.
    #[allow(clippy::incompatible_msrv)] // File::lock: the workspace builds with Rust 1.95
    pub fn up(opts: StackOptions) -> Result<Self, FixtureError> {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(LOCK_PATH)
            .map_err(FixtureError::Lock)?;
        lock.lock().map_err(FixtureError::Lock)?;
        card_up(&opts)?;
        Ok(Self { _lock: lock, opts })
    }

    /// The card's state directory.
    pub fn state_dir(&self) -> &Path {
        &self.opts.state
    }

    /// Certificates and public keys written by provisioning: `ca.pem`, `9a.pem`, `9c.pem`,
    /// `9a.pub.pem`, `9c.pub.pem`.
    pub fn pki_dir(&self) -> PathBuf {
        self.opts.state.join("pki")
    }

    fn control(&self) -> PathBuf {
        self.opts.state.join("control")
    }

    /// Removes the card (closes its vpcd connection) and waits until pcscd sees it gone.
    pub fn remove(&self) -> Result<(), FixtureError> {
        fs::write(self.control(), "remove\n").map_err(FixtureError::Control)?;
        wait_presence(false, Duration::from_secs(10))
    }

    /// Arms removal: the card disappears, without answering, when the next APDU with instruction
    /// byte `ins` arrives (e.g. `0x87` GENERAL AUTHENTICATE = the signature itself).
    pub fn remove_on_ins(&self, ins: u8) -> Result<(), FixtureError> {
        fs::write(self.control(), format!("remove-on-ins {ins:02X}\n"))
            .map_err(FixtureError::Control)
    }

    /// Arms a hold: when the next APDU with instruction byte `ins` arrives, the card neither
    /// answers nor leaves — pcscd stays blocked in the exchange — until the control file changes
    /// (e.g. [`CardStack::insert`] lets the card answer it) or vpcd's connection closes.
    /// [`CardStack::wait_held`] tells when the APDU has arrived.
    pub fn hold_on_ins(&self, ins: u8) -> Result<(), FixtureError> {
        fs::write(self.control(), format!("hold-on-ins {ins:02X}\n")).map_err(FixtureError::Control)
    }

    /// Waits until the card holds the APDU armed with [`CardStack::hold_on_ins`].
    pub fn wait_held(&self, timeout: Duration) -> Result<(), FixtureError> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if crate::vpcd::Control::read(Some(&self.control())) == crate::vpcd::Control::Held {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(FixtureError::Timeout {
            wanted: "holding an APDU",
            waited: timeout,
        })
    }

    /// Inserts the card again and waits until pcscd sees it.
    ///
    /// When the card left in the middle of an exchange, pcscd's vpcd driver can miss the new
    /// connection (it stays unread in the socket); taking the card out and in once more, as a
    /// person would, makes pcscd see it. Tried a few times before giving up.
    pub fn insert(&self) -> Result<(), FixtureError> {
        let mut last = None;
        for _ in 0..4 {
            match fs::remove_file(self.control()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FixtureError::Control(e)),
            }
            match wait_presence(true, Duration::from_secs(4)) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
            fs::write(self.control(), "remove\n").map_err(FixtureError::Control)?;
            wait_presence(false, Duration::from_secs(5))?;
            thread::sleep(Duration::from_millis(300));
        }
        Err(last.unwrap_or(FixtureError::Timeout {
            wanted: "present",
            waited: Duration::from_secs(16),
        }))
    }

    /// Stops the card process (a removal that also drops the card's RAM state), then starts it
    /// again with the same state directory.
    pub fn restart_card(&self) -> Result<(), FixtureError> {
        let down = workspace_root().join("scripts/card-down.sh");
        run(&down.to_string_lossy(), &[], &[])?;
        wait_presence(false, Duration::from_secs(10))?;
        card_up(&StackOptions {
            reset: false,
            ..self.opts.clone()
        })
    }

    /// Kills pcscd with SIGKILL, as a crash would (found by its exact name, killed by its pid),
    /// and waits until it is dead. Only with the card lock held (this stack), and followed by
    /// [`CardStack::bring_back`].
    pub fn kill_pcscd(&self) -> Result<(), FixtureError> {
        let failed = |program: &str, status: String| FixtureError::Failed {
            program: program.into(),
            status,
            stderr: String::new(),
        };
        let out = std::process::Command::new("pgrep")
            .args(["-x", "pcscd"])
            .output()
            .map_err(|source| FixtureError::Spawn {
                program: "pgrep".into(),
                source,
            })?;
        let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if pids.is_empty() {
            return Err(failed("pgrep -x pcscd", "pcscd is not running".into()));
        }
        for pid in &pids {
            let status = std::process::Command::new("kill")
                .args(["-9", pid])
                .status()
                .map_err(|source| FixtureError::Spawn {
                    program: "kill".into(),
                    source,
                })?;
            if !status.success() {
                return Err(failed(&format!("kill -9 {pid}"), status.to_string()));
            }
        }
        // Dead: gone, or a zombie until this machine's init reaps it.
        let dead = |pid: &String| {
            fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
                stat.rsplit_once(')')
                    .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
        };
        let start = std::time::Instant::now();
        while !pids.iter().all(dead) {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(FixtureError::Timeout {
                    wanted: "pcscd dead",
                    waited: Duration::from_secs(10),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // A killed pcscd leaves its pid file behind; while the zombie is not reaped, a new pcscd
        // takes it for a running one and refuses to start. The service manager's clean-up after
        // a crash (scripts/card-up.sh does the same), when the file names a killed pid (pcscd
        // writes it NUL-terminated).
        let pid_file = Path::new("/run/pcscd/pcscd.pid");
        if let Ok(text) = fs::read_to_string(pid_file) {
            let named = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
            if pids.iter().any(|p| p == named) {
                let _ = fs::remove_file(pid_file);
                let _ = fs::remove_file("/run/pcscd/pcscd.comm");
            }
        }
        Ok(())
    }

    /// pcscd and the card process up again (`scripts/card-up.sh`, same state), the card
    /// inserted: after [`CardStack::kill_pcscd`] or any fault a test caused.
    pub fn bring_back(&self) -> Result<(), FixtureError> {
        card_up(&StackOptions {
            reset: false,
            provision: false,
            ..self.opts.clone()
        })?;
        self.insert()
    }

    /// Stops pcscd only and starts it again; the card reconnects by itself.
    pub fn restart_pcscd(&self) -> Result<(), FixtureError> {
        let down = workspace_root().join("scripts/card-down.sh");
        run(&down.to_string_lossy(), &["--pcscd-only"], &[])?;
        card_up(&StackOptions {
            reset: false,
            provision: false,
            ..self.opts.clone()
        })
    }
}

impl Drop for CardStack {
    fn drop(&mut self) {
        // Leave the card inserted for the next user; the lock goes with the file.
        let _ = fs::remove_file(self.control());
    }
}

/// A person of the demo body whose keys and certificates a test card holds (the demo users of
/// `sio-pki` and the reference gateway).
#[derive(Debug, Clone, Copy)]
pub struct Holder {
    /// ИИН.
    pub iin: &'static str,
    /// Surname.
    pub surname: &'static str,
    /// Given name.
    pub given_name: &'static str,
}

impl Holder {
    /// The subject of the holder's certificates in NCA RK form (SERIALNUMBER=IIN…), OpenSSL's
    /// `/A=b` notation.
    pub fn subject(&self) -> String {
        format!(
            "/C=KZ/CN={s} {g}/SN={s}/GN={g}/serialNumber=IIN{iin}/O=ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)/OU=BIN040340001233",
            s = self.surname,
            g = self.given_name,
            iin = self.iin,
        )
    }
}

/// The demo investigator (role 3).
pub const INVESTIGATOR: Holder = Holder {
    iin: "850415300121",
    surname: "ИВАНОВ",
    given_name: "АЛЕКСЕЙ",
};
/// The demo head of the police department (role 18, HR officer).
pub const HEAD: Holder = Holder {
    iin: "901120400238",
    surname: "СЕРІКОВА",
    given_name: "АЙГЕРІМ",
};
/// The head of the department the HR officer reports to (co-signs HR applications).
pub const DEPARTMENT_HEAD: Holder = Holder {
    iin: "780302300344",
    surname: "АХМЕТОВ",
    given_name: "ЕРЛАН",
};

/// Gives the card in `reader` fresh keys in 9A and 9C and certificates for `holder`, issued by the
/// CA in `ca_cert` / `ca_key` (`provision.sh --force`); the certificates go to `out`.
pub fn provision(
    reader: &str,
    holder: &Holder,
    ca_cert: &Path,
    ca_key: &Path,
    out: &Path,
) -> Result<(), FixtureError> {
    let script = workspace_root().join("crates/sio-virtual-card/provision.sh");
    let subject = PathBuf::from(holder.subject());
    run(
        &script.to_string_lossy(),
        &["--force"],
        &[
            ("SIO_CARD_READER", Path::new(reader)),
            ("SIO_CARD_PKI", out),
            ("SIO_CARD_CA_CERT", ca_cert),
            ("SIO_CARD_CA_KEY", ca_key),
            ("SIO_CARD_SUBJECT", &subject),
        ],
    )
    .map(drop)
}

/// vpcd's second slot, where [`SecondCard`] goes.
pub const SECOND_READER_NAME: &str = "Virtual PCD 00 01";
const SECOND_VPCD: &str = "127.0.0.1:35964";

/// Another person's card in vpcd's second slot ([`SECOND_READER_NAME`]) beside the stack's card,
/// e.g. the head's token co-signing an HR application. It starts blank (default PIN, PUK and
/// management key) and stops, leaving the slot empty, when dropped. It borrows the stack: the
/// stack's lock serialises the users of both slots.
#[derive(Debug)]
pub struct SecondCard<'a> {
    _stack: &'a CardStack,
    child: std::process::Child,
    state: PathBuf,
}

impl<'a> SecondCard<'a> {
    /// Starts a blank card in `dir` (its flash in `dir/flash`, wiped first; its log in
    /// `dir/card.log`) and waits until pcscd sees it.
    pub fn start(stack: &'a CardStack, dir: impl Into<PathBuf>) -> Result<Self, FixtureError> {
        let dir = dir.into();
        let state = dir.join("flash");
        let bin = stack.opts.bin.clone().unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| workspace_root().join("target"), PathBuf::from)
                .join("debug/sio-virtual-card")
        });
        fs::create_dir_all(&dir).map_err(FixtureError::Control)?;
        let log = File::create(dir.join("card.log")).map_err(FixtureError::Control)?;
        let err = log.try_clone().map_err(FixtureError::Control)?;
        let child = Command::new(&bin)
            .arg("--state")
            .arg(&state)
            .arg("--reset")
            .args(["--vpcd", SECOND_VPCD, "--pid-file"])
            .arg(dir.join("card.pid"))
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|source| FixtureError::Spawn {
                program: bin.display().to_string(),
                source,
            })?;
        let card = Self {
            _stack: stack,
            child,
            state,
        };
        wait_presence_in(SECOND_READER_NAME, true, Duration::from_secs(10))?;
        Ok(card)
    }

    /// The card's state directory (its flash).
    pub fn state_dir(&self) -> &Path {
        &self.state
    }
}

impl Drop for SecondCard<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = wait_presence_in(SECOND_READER_NAME, false, Duration::from_secs(5));
    }
}
