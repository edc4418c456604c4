//! Test support (feature `virtual-device`): feeding images to libfprint's `virtual_image` device
//! that `scripts/fprintd-up.sh` starts under fprintd.
//!
//! The device listens on a Unix socket (`FP_VIRTUAL_IMAGE`) while a client has claimed it; it
//! reads a native-endian `i32` width and height, then width × height 8-bit grey pixels (white
//! background, dark ridges). Negative headers are controls: `(-1, code)` retry, `(-2, code)`
//! error, `(-3, 0|1)` automatic finger detection, `(-4, 0|1)` finger present.
//!
//! Images live in memory only (zeroized on drop); nothing here writes them anywhere but the socket.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::net::UnixStream;
use zeroize::Zeroizing;

use super::ScanEvent;

/// Directory `scripts/fprintd-up.sh` keeps its state in (`SIO_FPRINTD_STATE` overrides).
pub fn state_dir() -> PathBuf {
    std::env::var_os("SIO_FPRINTD_STATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/sio-fprintd"))
}

/// The virtual device's socket, when `scripts/fprintd-up.sh` has run (`None` otherwise) and its
/// fprintd still runs.
pub fn socket_from_state() -> Option<PathBuf> {
    let dir = state_dir();
    let env = std::fs::read_to_string(dir.join("env")).ok()?;
    let pid = std::fs::read_to_string(dir.join("fprintd.pid")).ok()?;
    if !Path::new(&format!("/proc/{}", pid.trim())).exists() {
        return None;
    }
    env.lines()
        .find_map(|l| l.strip_prefix("SIO_FPRINTD_SOCKET="))
        .map(|s| PathBuf::from(s.trim()))
}

/// Exclusive use of the one fprintd for a test (`/tmp/sio-fprintd.lock`); released on drop.
#[derive(Debug)]
pub struct FprintdLock(#[allow(dead_code)] File);

/// Wait for exclusive use of fprintd.
pub fn lock() -> std::io::Result<FprintdLock> {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/sio-fprintd.lock")?;
    // Test support only, built with the project's toolchain (1.95), not the library's MSRV.
    #[allow(clippy::incompatible_msrv)]
    f.lock()?;
    Ok(FprintdLock(f))
}

/// An 8-bit grey image, white background.
pub struct GrayImage {
    width: u32,
    height: u32,
    pixels: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage {}x{}", self.width, self.height)
    }
}

impl GrayImage {
    /// Decode a PNG (any colour type), compositing transparency over white.
    pub fn from_png(path: &Path) -> Result<Self, String> {
        let img = image::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rgba = img.to_rgba8();
        let (width, height) = rgba.dimensions();
        let mut pixels = Zeroizing::new(Vec::with_capacity((width * height) as usize));
        for p in rgba.pixels() {
            let [r, g, b, a] = p.0;
            let lum = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
            let a = u32::from(a);
            let v = (lum * a + 255 * (255 - a)) / 255;
            pixels.push(u8::try_from(v).unwrap_or(255));
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Width and height.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The same image moved by `dx`, `dy` pixels (uncovered area white): another placement of
    /// the same finger.
    pub fn shifted(&self, dx: i32, dy: i32) -> Self {
        let (w, h) = (self.width as i64, self.height as i64);
        let mut pixels = Zeroizing::new(vec![255u8; self.pixels.len()]);
        for y in 0..h {
            let sy = y - i64::from(dy);
            if !(0..h).contains(&sy) {
                continue;
            }
            for x in 0..w {
                let sx = x - i64::from(dx);
                if (0..w).contains(&sx) {
                    pixels[(y * w + x) as usize] = self.pixels[(sy * w + sx) as usize];
                }
            }
        }
        Self {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
}

/// Send one image (one scan) to the device.
pub async fn send(socket: &Path, image: &GrayImage) -> std::io::Result<()> {
    let mut s = UnixStream::connect(socket).await?;
    let mut msg = Zeroizing::new(Vec::with_capacity(8 + image.pixels.len()));
    msg.extend_from_slice(&(image.width as i32).to_ne_bytes());
    msg.extend_from_slice(&(image.height as i32).to_ne_bytes());
    msg.extend_from_slice(&image.pixels);
    s.write_all(&msg).await?;
    s.flush().await?;
    // Give the driver the time to read before the connection closes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Send a control header (negative first value).
pub async fn send_control(socket: &Path, a: i32, b: i32) -> std::io::Result<()> {
    let mut s = UnixStream::connect(socket).await?;
    let mut msg = Vec::with_capacity(8);
    msg.extend_from_slice(&a.to_ne_bytes());
    msg.extend_from_slice(&b.to_ne_bytes());
    s.write_all(&msg).await?;
    s.flush().await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// A finger on the virtual reader: on every [`ScanEvent::Ready`] received from `events`, the next
/// of `images` (cycling) is sent. Ends when the sender side is dropped.
pub async fn feed(
    socket: PathBuf,
    images: Vec<GrayImage>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<ScanEvent>,
) {
    if images.is_empty() {
        return;
    }
    let mut next = 0usize;
    while let Some(ev) = events.recv().await {
        if ev != ScanEvent::Ready {
            continue;
        }
        // The socket appears once the device is claimed and opened.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let img = &images[next % images.len()];
        next += 1;
        for _ in 0..50 {
            if send(&socket, img).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
