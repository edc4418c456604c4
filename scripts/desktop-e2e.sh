#!/usr/bin/env bash
# End-to-end tests of the desktop app (src-tauri/, Tauri v2) on the real stack, headless:
#   the reference gateway over mutual TLS 1.3 with a fresh test PKI and the demo accounts, the
#   virtual PIV card in pcscd, the app (debug build with the UI embedded) driven by WebdriverIO 9
#   through tauri-driver + /usr/bin/WebKitWebDriver under Xvfb (xvfb-run -a).
# Specs (tests/desktop/specs/): officer.mjs (log in with the card + the SMS code from the
# gateway's outbox, compose, preview, sign and send a request, view the result, close it and see it
# shredded, diagnosis), then the card gets the head's keys, the department head's token goes into
# vpcd's second slot, and hr.mjs (the HR officer files a dismissal co-signed by the department head,
# and a blocking of their own). Every screen is checked with axe-core (no serious or critical
# violation) and, in kk and ru, for English words outside an allow-list (lib.mjs). Screenshots of every screen in kk, ru, en go to tests/desktop/artifacts/
# (git-ignored), with <spec>-problems.txt listing text that does not fit.
#
# Installs what it needs: tauri-driver (cargo install --locked, pinned) into ~/.cargo/bin if absent,
# WebdriverIO from tests/desktop/package-lock.json (npm ci). Needs the Debian packages of
# scripts/apt-packages.txt (scripts/setup.sh): webkit2gtk-driver, xvfb, xauth, pcscd, ...
# Holds /tmp/sio-card.lock while it uses the card. Idempotent; run from anywhere (as root, like
# scripts/test.sh).
#
# Environment:
#   SIO_E2E_ARTIFACTS   screenshot directory (default tests/desktop/artifacts)
#   SIO_E2E_KEEP=1      keep the temporary world (PKI, gateway data, app home) for a look afterwards
#   SIO_E2E_SPECS       the specs to run, space-separated (default "officer keyboard astana-time hr";
#                       keyboard.mjs: the officer's day with WebDriver key actions only; astana-time.mjs:
#                       the SMS code's "valid until" shown in WebKitGTK equals the gateway's Astana time)
#   SIO_E2E_APP         a prebuilt app binary to test instead of building src-tauri (debug);
#                       with SIO_E2E_NO_BUILD=1 the built sio and sio-virtual-card are used as they are
#   WEBKIT_DRIVER       native WebDriver (default /usr/bin/WebKitWebDriver)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E="$ROOT/tests/desktop"
TAURI_DRIVER_VERSION=2.1.0
WEBKIT_DRIVER=${WEBKIT_DRIVER:-/usr/bin/WebKitWebDriver}
ART=${SIO_E2E_ARTIFACTS:-$E2E/artifacts}
SPECS=${SIO_E2E_SPECS:-officer keyboard astana-time hr}
INVESTIGATOR=850415300121
HEAD=901120400238
DEPARTMENT_HEAD=780302300344
ORG="/O=ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)/OU=BIN040340001233"

die() { echo "desktop-e2e: $*" >&2; exit 1; }
log() { echo "desktop-e2e: $*" >&2; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The card gets `holder`'s keys and certificates from the world's CA (as crates/sio-cli/tests/support does).
provision() { # iin "SURNAME" "GIVEN" [reader]
    SIO_CARD_READER="${4:-Virtual PCD 00 00}" \
    SIO_CARD_PKI="$WORLD/card-$1" SIO_CARD_CA_CERT="$WORLD/pki/ca.cert.pem" SIO_CARD_CA_KEY="$WORLD/pki/ca.key.pem" \
        SIO_CARD_SUBJECT="/C=KZ/CN=$2 $3/SN=$2/GN=$3/serialNumber=IIN$1$ORG" \
        "$ROOT/crates/sio-virtual-card/provision.sh" --force >/dev/null 2>"$WORLD/provision-$1.log" ||
        { cat "$WORLD/provision-$1.log" >&2; die "provisioning the card for $1 failed"; }
}

# A second person's token in vpcd's second slot, for the HR co-signature: a blank virtual card
# (state in the world) with `holder`'s keys; stopped when the specs end.
SECOND_READER="Virtual PCD 00 01"
SECOND_PID=
second_card() { # iin "SURNAME" "GIVEN"
    mkdir -p "$WORLD/second"
    "$SIO_E2E_CARD_BIN" --state "$WORLD/second/flash" --reset --vpcd 127.0.0.1:35964 \
        --pid-file "$WORLD/second/card.pid" </dev/null >"$WORLD/second/card.log" 2>&1 &
    SECOND_PID=$!
    for _ in $(seq 100); do
        opensc-tool -l 2>/dev/null | grep -q "Yes.*$SECOND_READER" && break
        kill -0 "$SECOND_PID" 2>/dev/null || { cat "$WORLD/second/card.log" >&2; die "the second card exited"; }
        sleep 0.1
    done
    SIO_CARD_STATE="$WORLD/second" provision "$1" "$2" "$3" "$SECOND_READER"
}

# --- inside Xvfb: tauri-driver, then the specs in order ----------------------------------------
if [ "${1:-}" = "--inner" ]; then
    DRIVER_PORT=$(free_port)
    NATIVE_PORT=$(free_port)
    "$TAURI_DRIVER" --port "$DRIVER_PORT" --native-port "$NATIVE_PORT" --native-driver "$WEBKIT_DRIVER" \
        >"$WORLD/tauri-driver.log" 2>&1 &
    DRIVER_PID=$!
    trap 'kill "$DRIVER_PID" $SECOND_PID 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
        ss -ltnH "sport = :$DRIVER_PORT" | grep -q . && break
        kill -0 "$DRIVER_PID" 2>/dev/null || { cat "$WORLD/tauri-driver.log" >&2; die "tauri-driver exited"; }
        sleep 0.1
    done
    export SIO_E2E_DRIVER_PORT=$DRIVER_PORT
    status=0
    for spec in $SPECS; do
        case "$spec" in
            officer | astana-time) provision "$INVESTIGATOR" ИВАНОВ АЛЕКСЕЙ ;;
            # A fresh app data directory: the outbox of an earlier spec was sealed with keys that
            # died with its process (SIO_KEYSTORE=memory) and cannot be listed by a new one.
            keyboard) rm -rf "$SIO_DATA_DIR" && provision "$INVESTIGATOR" ИВАНОВ АЛЕКСЕЙ ;;
            hr) provision "$HEAD" СЕРІКОВА АЙГЕРІМ && second_card "$DEPARTMENT_HEAD" АХМЕТОВ ЕРЛАН ;;
        esac
        log "spec $spec"
        start=$(date +%s)
        if ! (cd "$E2E" && timeout 300 node "specs/$spec.mjs"); then
            status=1
            log "spec $spec FAILED (app log: $WORLD/home/app.log, tauri-driver: $WORLD/tauri-driver.log, gateway: $WORLD/gateway.log)"
        fi
        log "spec $spec: $(($(date +%s) - start)) s"
    done
    exit "$status"
fi

# --- tools -------------------------------------------------------------------------------------
cd "$ROOT"
[ -x "$WEBKIT_DRIVER" ] || die "$WEBKIT_DRIVER not found; install webkit2gtk-driver (scripts/setup.sh)"
command -v xvfb-run >/dev/null || die "xvfb-run not found; install xvfb and xauth (scripts/setup.sh)"
command -v npm >/dev/null || die "npm not found"
export PATH="$HOME/.cargo/bin:$PATH"
TAURI_DRIVER=$(command -v tauri-driver || true)
if [ -z "$TAURI_DRIVER" ]; then
    log "installing tauri-driver $TAURI_DRIVER_VERSION (cargo install --locked)"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --quiet
    TAURI_DRIVER=$(command -v tauri-driver) || die "tauri-driver did not install"
fi

# WebdriverIO, exactly as locked (skipped when node_modules already matches the lockfile; no
# install scripts: nothing is downloaded besides the npm packages).
lock_matches() { # dir
    [ -f "$1/node_modules/.package-lock.json" ] && (cd "$1" && node -e '
        const a = require("./package-lock.json").packages, b = require("./node_modules/.package-lock.json").packages;
        for (const k of Object.keys(a)) if (k && !(a[k].optional && !b[k]) && (!b[k] || b[k].version !== a[k].version)) process.exit(1);')
}
if ! lock_matches "$E2E"; then
    log "npm ci (tests/desktop)"
    (cd "$E2E" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

# --- the UI and the app ------------------------------------------------------------------------
# The app embeds ui/dist at compile time: build the UI first when it is missing or older than its sources.
if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html ui/package-lock.json ui/vite.config.ts -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then
    lock_matches ui || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    log "building the UI (ui/dist)"
    (cd ui && npm run build --silent >/dev/null)
fi
meta=$(cargo metadata --no-deps --format-version 1 --locked)
TARGET=$(jq -r '.target_directory' <<<"$meta")
if [ -n "${SIO_E2E_APP:-}" ]; then
    log "using the prebuilt app $SIO_E2E_APP"
    [ "${SIO_E2E_NO_BUILD:-0}" = 1 ] || cargo build --locked --quiet -p sio-cli -p sio-virtual-card
else
    [ -f src-tauri/Cargo.toml ] || die "src-tauri/Cargo.toml not found: no desktop app to test yet"
    pkg_json=$(jq -c --arg m "$ROOT/src-tauri/Cargo.toml" '.packages[] | select(.manifest_path == $m)' <<<"$meta")
    [ -n "$pkg_json" ] || die "src-tauri is not a member of the workspace"
    PKG=$(jq -r '.name' <<<"$pkg_json")
    BIN=$(jq -r '[.targets[] | select(.kind | index("bin"))][0].name' <<<"$pkg_json")
    FEATURES=()
    jq -e '.features | has("custom-protocol")' <<<"$pkg_json" >/dev/null && FEATURES=(--features custom-protocol)
    log "building $PKG (debug) with sio-cli and sio-virtual-card"
    cargo build --locked --quiet -p "$PKG" "${FEATURES[@]}" -p sio-cli -p sio-virtual-card
    export SIO_E2E_APP="$TARGET/debug/$BIN"
fi
export SIO_E2E_SIO="$TARGET/debug/sio" SIO_E2E_CARD_BIN="$TARGET/debug/sio-virtual-card"
[ -x "$SIO_E2E_APP" ] || die "app binary not found: $SIO_E2E_APP"

# --- the world: PKI, card, gateway, policy -----------------------------------------------------
WORLD=$(mktemp -d /tmp/sio-desktop-e2e.XXXXXX)
GATEWAY_PID=
cleanup() {
    [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null || true
    if [ "${SIO_E2E_KEEP:-0}" = 1 ]; then log "world kept in $WORLD"; else rm -rf "$WORLD"; fi
}
trap cleanup EXIT
export WORLD
"$SIO_E2E_SIO" pki init "$WORLD/pki" --users demo >/dev/null

# One card for the machine: hold its lock while the app uses it.
exec {CARD_LOCK}>/tmp/sio-card.lock
flock -w 900 "$CARD_LOCK" || die "the card has been busy for 15 minutes (/tmp/sio-card.lock)"
SIO_CARD_BIN="$TARGET/debug/sio-virtual-card" bash scripts/card-up.sh >/dev/null

setsid "$SIO_E2E_SIO" gateway run --data "$WORLD/gateway" --pki "$WORLD/pki" --listen 127.0.0.1:0 \
    --result-delay-ms 300 </dev/null >"$WORLD/gateway.log" 2>&1 {CARD_LOCK}>&- &
GATEWAY_PID=$!
URL=
for _ in $(seq 300); do
    URL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORLD/gateway.log" | head -1 || true)
    [ -n "$URL" ] && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$WORLD/gateway.log" >&2; die "the gateway exited"; }
    sleep 0.1
done
[ -n "$URL" ] || die "the gateway did not start (log: $WORLD/gateway.log)"
export SIO_E2E_GATEWAY_DATA="$WORLD/gateway"
# hr.mjs: the department head co-signs the police HR officer's applications, so the operator marks
# them a head of that body (only marked heads co-sign; the demo accounts mark Серікова already).
"$SIO_E2E_SIO" gateway admin --data "$WORLD/gateway" head --iin "$DEPARTMENT_HEAD" --org 040340001233 \
    --name "АХМЕТОВ ЕРЛАН" --position "Начальник департамента" --by e2e >/dev/null
# The police department's code in ЕРДР, the organisation code of its HR forms (2015 Appendix 5).
"$SIO_E2E_SIO" gateway admin --data "$WORLD/gateway" org-code --org 040340001233 --code 191501 --by e2e >/dev/null
cat >"$WORLD/policy.toml" <<POLICY
# The administrator's policy of the test workstation.
[gateway]
url = "$URL"
ca = "$WORLD/pki/ca.cert.pem"

[air_gap]
on_violation = "warn"

[results]
export_dirs = ["$WORLD/case-materials"]
POLICY
mkdir -p "$WORLD/case-materials"

# The app's own files (settings, outbox, vault) in the world, not in the user's home.
mkdir -p "$WORLD/home"
export HOME="$WORLD/home" XDG_DATA_HOME="$WORLD/home/.local/share" XDG_CONFIG_HOME="$WORLD/home/.config" \
    XDG_CACHE_HOME="$WORLD/home/.cache" XDG_RUNTIME_DIR="$WORLD/home/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# The app's configuration (crates/sio-app: AppConfig::from_env): the test policy, a data directory
# in the world, the vault's and outbox's keys in memory (no desktop keyring under Xvfb).
export SIO_POLICY="$WORLD/policy.toml" SIO_DATA_DIR="$WORLD/data" SIO_KEYSTORE=memory
# No accessibility bus under Xvfb.
export NO_AT_BRIDGE=1

rm -rf "$ART"
mkdir -p "$ART"
export SIO_E2E_ARTIFACTS="$ART" TAURI_DRIVER WEBKIT_DRIVER SPECS
log "gateway $URL, app $SIO_E2E_APP, specs: $SPECS"
start=$(date +%s)
status=0
xvfb-run -a -s "-screen 0 1280x1024x24" "$0" --inner || status=$?
log "$(find "$ART" -name '*.png' | wc -l) screenshots in $ART ($(($(date +%s) - start)) s)"
[ "$status" = 0 ] || { SIO_E2E_KEEP=1; die "FAILED"; }
log "passed"
