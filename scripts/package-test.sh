#!/usr/bin/env bash
# Package test: build the .deb packages (and the .rpm when rpmbuild works) from the binaries already
# built (default: target/debug after `cargo test --workspace`, so no extra compile in CI), inspect them
# with dpkg-deb and lintian (accepted overrides: packaging/deb/lintian-overrides), unpack the
# workstation package into a temporary root and run `sio --version`, `sio diagnose --json`,
# `sio policy check` on the shipped example, and an offline update from the installed tree; the
# fingerprint agent (`sio` through the link /usr/bin/sio-fingerprint-agent), its man page and its
# (not enabled) unit; the gateway package: its own program `sio-gateway` (the workstation's `sio` is
# built without the gateway and refuses `sio gateway` with CLI_GATEWAY_NOT_INSTALLED), the
# hash-pinned face model, the units running `sio-gateway`, no dependency on the workstation.
# Usage: scripts/package-test.sh [--bin-dir DIR]     (env SIO_PACKAGE_BIN_DIR works too)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN_DIR="${SIO_PACKAGE_BIN_DIR:-}"
[ "${1:-}" = --bin-dir ] && BIN_DIR=$2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
start=$(date +%s)
if [ -z "$BIN_DIR" ]; then
  # The debug build of the test command, shaped as the packages are: the workstation's `sio` without
  # the gateway (built here, then copied out: target/debug/sio stays the full one the tests use),
  # the gateway's program and the desktop app as built.
  TARGET=$(cargo metadata --no-deps --format-version 1 --locked | jq -r .target_directory)
  cargo build -q -p sio-cli --no-default-features --bin sio --locked
  BIN_DIR=$OUT/bin
  mkdir -p "$BIN_DIR"
  cp "$TARGET/debug/sio" "$BIN_DIR/sio"
  cargo build -q -p sio-cli --bin sio --bin sio-gateway --locked
  cp "$TARGET/debug/sio-gateway" "$BIN_DIR/"
  [ ! -x "$TARGET/debug/arm-sio-pso" ] || cp "$TARGET/debug/arm-sio-pso" "$BIN_DIR/"
fi

mapfile -t PKGS < <(bash packaging/build-deb.sh --bin-dir "$BIN_DIR" --out "$OUT/pkgs" --rpm)
DEB=$(printf '%s\n' "${PKGS[@]}" | grep '/arm-sio-pso_.*\.deb$')
GDEB=$(printf '%s\n' "${PKGS[@]}" | grep '/sio-gateway_.*\.deb$' || true)
echo "== built: ${PKGS[*]}"

echo "== dpkg-deb --info"
INFO=$(dpkg-deb --info "$DEB")
sed -n '/Package:/,$p' <<<"$INFO"
grep -q '^ Depends:.*pcscd' <<<"$INFO" || { echo "FAIL: Depends lacks pcscd" >&2; exit 1; }
grep -q '^ Recommends: opensc-pkcs11' <<<"$INFO" || { echo "FAIL: Recommends lacks opensc-pkcs11" >&2; exit 1; }
grep -q '^ Suggests: fprintd' <<<"$INFO" || { echo "FAIL: Suggests lacks fprintd" >&2; exit 1; }
echo "== dpkg-deb --contents (workstation)"
CONTENTS=$(dpkg-deb --contents "$DEB")
awk '{print $1, $6, $7, $8}' <<<"$CONTENTS"
EXPECT=(./usr/bin/sio ./usr/share/man/man1/sio.1.gz ./usr/share/arm-sio-pso/pkcs11-modules.toml)
if grep -q '/bin/arm-sio-pso$' <<<"$CONTENTS"; then   # the desktop app was built: its entry, icon, page
  EXPECT+=(./usr/bin/arm-sio-pso ./usr/share/applications/arm-sio-pso.desktop
           ./usr/share/icons/hicolor/128x128/apps/arm-sio-pso.png ./usr/share/man/man1/arm-sio-pso.1.gz)
else
  echo "note: the desktop app is not in this package (not built): CLI-only package tested"
fi
# The fingerprint agent is `sio` run through a link: the link, its unit (not enabled), its page;
# no binary of its own in the package.
EXPECT+=(./usr/bin/sio-fingerprint-agent ./lib/systemd/system/sio-fingerprint-agent.service
         ./usr/share/man/man8/sio-fingerprint-agent.8.gz)
if grep -q '\.wants/' <<<"$CONTENTS"; then echo "FAIL: the package enables a unit" >&2; exit 1; fi
if grep -q '/bin/sio-fingerprint-agent$' <<<"$(grep -v '^l' <<<"$CONTENTS")"; then
  echo "FAIL: the agent is packaged as a second binary (it is a link to sio)" >&2; exit 1
fi
for f in "${EXPECT[@]}" \
         ./usr/share/arm-sio-pso/pkcs11-modules.toml ./usr/share/doc/arm-sio-pso/policy.example.toml \
         ./usr/share/doc/arm-sio-pso/copyright ./opt/arm-sio-pso/current; do
  grep -q " $f\( \|$\)" <<<"$CONTENTS" || { echo "FAIL: $f missing from the package" >&2; exit 1; }
done
# The gateway is not the workstation's: no gateway code, model or page in its package.
if grep -qE 'MobileFaceNet|/man1/sio-gateway|/bin/sio-gateway' <<<"$CONTENTS"; then
  echo "FAIL: the workstation package carries the gateway's program, pages or face model" >&2; exit 1
fi
echo "== dpkg-deb --contents (gateway)"
[ -n "$GDEB" ] || { echo "FAIL: no gateway package was built" >&2; exit 1; }
GCONTENTS=$(dpkg-deb --contents "$GDEB")
awk '{print $1, $6}' <<<"$GCONTENTS"
for f in ./usr/bin/sio-gateway ./usr/share/sio-gateway/models/MobileFaceNet.tflite \
         ./usr/share/sio-gateway/models/MobileFaceNet.tflite.sha256 ./usr/share/man/man1/sio-gateway.1.gz \
         ./usr/share/man/man1/sio-gateway-run.1.gz ./lib/systemd/system/sio-gateway.service \
         ./lib/systemd/system/sio-gateway-backup.service ./etc/sio-gateway/gateway.env; do
  grep -q " $f\( \|$\)" <<<"$GCONTENTS" || { echo "FAIL: $f missing from the gateway package" >&2; exit 1; }
done
GINFO=$(dpkg-deb --info "$GDEB")
if grep -q '^ Depends:.*arm-sio-pso' <<<"$GINFO"; then
  echo "FAIL: the gateway package depends on the workstation (and so on WebKit)" >&2; exit 1
fi

echo "== lintian"
if command -v lintian >/dev/null; then
  # Errors fail the test; warnings are printed. Accepted findings are overridden in the package.
  lintian --no-tag-display-limit --suppress-tags unstripped-binary-or-object "$DEB" "$GDEB" | tee "$OUT/lintian.txt" || true
  if grep -q '^E:' "$OUT/lintian.txt"; then echo "FAIL: lintian errors" >&2; exit 1; fi
else
  echo "lintian not installed: skipped"
fi

echo "== unpack into a temporary root and run from the installed files"
R="$OUT/root"
dpkg-deb -x "$DEB" "$R"
# /usr/bin/sio is an absolute link into /opt; inside the unpacked root follow it relative to the root.
SIO="$R/opt/arm-sio-pso/current/bin/sio"
[ "$(readlink "$R/usr/bin/sio")" = /opt/arm-sio-pso/current/bin/sio ] || { echo "FAIL: /usr/bin/sio link" >&2; exit 1; }
"$SIO" --version
"$SIO" diagnose --json --only versions > "$OUT/diag.json" || true   # failing checks exit non-zero; the JSON is what counts
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("diagnose --json:", len(json.dumps(d)), "bytes, keys:", ", ".join(sorted(d)[:6]))' "$OUT/diag.json"
"$SIO" policy check "$R/usr/share/doc/arm-sio-pso/policy.example.toml"
zcat "$R/usr/share/man/man1/sio.1.gz" | grep -q '^\.TH' || { echo "FAIL: sio.1 is not a man page" >&2; exit 1; }
[ "$(readlink "$R/usr/bin/sio-fingerprint-agent")" = /opt/arm-sio-pso/current/bin/sio ] \
  || { echo "FAIL: /usr/bin/sio-fingerprint-agent is not a link to sio" >&2; exit 1; }
# Run it by that name, as systemd does (the link is absolute: remake it inside the temporary dir).
ln -s "$SIO" "$OUT/sio-fingerprint-agent"
AGENT_VERSION=$("$OUT/sio-fingerprint-agent" --version)
echo "$AGENT_VERSION"
[ "$AGENT_VERSION" = "sio-fingerprint-agent $("$SIO" --version | awk '{print $2}')" ] \
  || { echo "FAIL: sio run as sio-fingerprint-agent is not the agent" >&2; exit 1; }
grep -qx 'ExecStart=/usr/bin/sio-fingerprint-agent .*' "$R/lib/systemd/system/sio-fingerprint-agent.service" \
  || { echo "FAIL: the agent's unit does not run /usr/bin/sio-fingerprint-agent" >&2; exit 1; }
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["product"]=="arm-sio-pso"; print("installed manifest:", m["version"], len(m["files"]), "files")' \
  "$R/opt/arm-sio-pso/current/MANIFEST.json"

# The workstation's sio refuses the gateway with its code; nothing is started.
if "$SIO" gateway run --data "$OUT/gw-data" >"$OUT/gw.out" 2>"$OUT/gw.err"; then
  echo "FAIL: the workstation's sio ran a gateway" >&2; exit 1
fi
grep -q '"code":"CLI_GATEWAY_NOT_INSTALLED"' "$OUT/gw.out" || { cat "$OUT/gw.out" "$OUT/gw.err" >&2; echo "FAIL: sio gateway: no CLI_GATEWAY_NOT_INSTALLED" >&2; exit 1; }
[ ! -e "$OUT/gw-data" ] || { echo "FAIL: sio gateway touched its data directory" >&2; exit 1; }

echo "== the gateway package unpacked: its program, its units, its model"
GR="$OUT/groot"
dpkg-deb -x "$GDEB" "$GR"
GW="$GR/usr/bin/sio-gateway"
"$GW" --version
"$GW" run --help | grep -q -- '--face-model' || { echo "FAIL: sio-gateway run is not the gateway's run" >&2; exit 1; }
"$GW" pki init "$OUT/gw-pki" --users demo >/dev/null
(cd "$GR/usr/share/sio-gateway/models" && sha256sum -c --status MobileFaceNet.tflite.sha256) \
  || { echo "FAIL: the packaged face model does not match its pinned hash" >&2; exit 1; }
grep -q '^ExecStart=/usr/bin/sio-gateway run .*--face-model \${SIO_GATEWAY_FACE_MODEL}' "$GR/lib/systemd/system/sio-gateway.service" \
  || { echo "FAIL: the gateway unit does not run sio-gateway with the face model" >&2; exit 1; }
grep -q '/usr/bin/sio-gateway backup' "$GR/lib/systemd/system/sio-gateway-backup.service" \
  || { echo "FAIL: the backup unit does not run sio-gateway backup" >&2; exit 1; }
grep -qx 'SIO_GATEWAY_FACE_MODEL=/usr/share/sio-gateway/models/MobileFaceNet.tflite' "$GR/etc/sio-gateway/gateway.env" \
  || { echo "FAIL: gateway.env does not name the packaged model" >&2; exit 1; }

echo "== offline update of the unpacked installation"
"$SIO" update keygen --out "$OUT/vendor.key" > "$OUT/keygen.txt"
PUB=$(tail -1 "$OUT/keygen.txt")
printf '[gateway]\nurl = "https://127.0.0.1:8443"\nca = "/etc/sio/ca.pem"\n[updates]\nvendor_keys = ["%s"]\n' "$PUB" > "$OUT/policy.toml"
CUR=$("$SIO" --version | awk '{print $2}')
NEXT=$(echo "$CUR" | awk -F. '{print $1"."$2"."$3+1}')
"$SIO" update make --version "$NEXT" --key "$OUT/vendor.key" --out "$OUT/next.siou" "bin/sio=$SIO"
"$SIO" update apply --policy "$OUT/policy.toml" --root "$R/opt/arm-sio-pso" "$OUT/next.siou"
[ "$(readlink "$R/opt/arm-sio-pso/current")" = "versions/$NEXT" ] || { echo "FAIL: current not switched" >&2; exit 1; }
if "$SIO" update apply --policy "$OUT/policy.toml" --root "$R/opt/arm-sio-pso" "$OUT/next.siou" 2>"$OUT/err"; then
  echo "FAIL: the same version was applied twice" >&2; exit 1
fi
grep -q UPD_SAME_VERSION "$OUT/err"
echo "package test passed in $(( $(date +%s) - start )) s"
