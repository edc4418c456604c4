#!/usr/bin/env bash
# Bring up the virtual PIV card stack: pcscd (with vsmartcard's vpcd reader driver) and
# sio-virtual-card attached to vpcd. Idempotent. Needs root on Debian 12 and the packages from
# scripts/apt-packages.txt (pcscd vsmartcard-vpcd opensc); installs nothing itself.
#
# Usage: scripts/card-up.sh [--reset] [--provision] [--pcscd-only]
#   --reset           restart the card blank (wipes its state: keys, certificates, PIN counters)
#   --provision       then make sure slots 9A/9C hold keys and certificates
#                     (crates/sio-virtual-card/provision.sh; files in $SIO_CARD_STATE/pki)
#   --pcscd-only      only make sure pcscd with vpcd runs (for in-process cards)
# There is one virtual slot: a card started with another state directory is stopped first.
# Callers that need the card to themselves (tests) hold an flock on /tmp/sio-card.lock.
# Environment:
#   SIO_CARD_STATE    card state directory (default /tmp/sio-card)
#   SIO_CARD_BIN      prebuilt sio-virtual-card binary (default: cargo build, debug)
#   SIO_CARD_TIMEOUT  seconds to wait for the card to appear (default 30)
# Prints the reader name on stdout when the card is present.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${SIO_CARD_STATE:-/tmp/sio-card}
TIMEOUT=${SIO_CARD_TIMEOUT:-30}
READER="Virtual PCD 00 00"
VPCD_PORT=35963
PCSCD_LOG=/tmp/sio-pcscd.log
PIDFILE=/tmp/sio-card.pid   # written and locked by the running card: pid, state directory
RESET=0
PROVISION=0
PCSCD_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --reset) RESET=1 ;;
        --provision) PROVISION=1 ;;
        --pcscd-only) PCSCD_ONLY=1 ;;
        *) echo "card-up: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

die() { echo "card-up: $*" >&2; exit 1; }
log() { echo "card-up: $*" >&2; }

for tool in pcscd opensc-tool ss; do
    command -v "$tool" >/dev/null || die "$tool not found; install the packages in scripts/apt-packages.txt (scripts/setup.sh)"
done
[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || die "vpcd driver missing; install vsmartcard-vpcd"
[ -e /etc/reader.conf.d/vpcd ] || die "/etc/reader.conf.d/vpcd missing; reinstall vsmartcard-vpcd"

# Serialise concurrent card-up runs (daemons started below do not inherit this descriptor).
exec 8>/tmp/sio-card-up.lock
flock -w 120 8 || die "another card-up.sh has held /tmp/sio-card-up.lock for 120 s"

# Start "$@" in its own session with nothing but stdin/stdout/stderr open: a daemon must not keep
# the caller's descriptors (e.g. a test's flock on /tmp/sio-card.lock, or fd 8 above) alive.
# Only use it in the background (`detach ... &`): it replaces the calling (sub)shell, so $! is the daemon.
detach() {
    exec setsid bash -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
exec "$@"' detach "$@"
}

vpcd_listening() { ss -ltnH "sport = :$VPCD_PORT" 2>/dev/null | grep -q .; }

# --- pcscd -----------------------------------------------------------------------------------
pcscd_alive() { ps -C pcscd -o stat= 2>/dev/null | grep -qv '^Z'; }
if ! vpcd_listening && ! pcscd_alive; then
    log "starting pcscd (log: $PCSCD_LOG)"
    mkdir -p /run/pcscd
    # A pcscd killed with SIGKILL may stay a zombie for a while, still named by its pid file; a
    # new pcscd then refuses to start ("Another pcscd seems to be running"). Like a service
    # manager, drop a pid file whose process is gone or a zombie.
    if [ -s /run/pcscd/pcscd.pid ]; then
        old=$(tr -d '\0' </run/pcscd/pcscd.pid | tr -dc '0-9')
        if [ -z "$old" ] || ! ps -p "$old" -o stat= 2>/dev/null | grep -qv '^Z'; then
            rm -f /run/pcscd/pcscd.pid /run/pcscd/pcscd.comm
        fi
    fi
    # Foreground mode in its own session: logs go to a file; no --auto-exit, so it stays up.
    detach pcscd --foreground --info </dev/null >>"$PCSCD_LOG" 2>&1 &
fi
for _ in $(seq 1 $((TIMEOUT * 10))); do
    vpcd_listening && break
    sleep 0.1
done
vpcd_listening || die "pcscd runs but vpcd does not listen on 127.0.0.1:$VPCD_PORT (is /etc/reader.conf.d/vpcd loaded? see $PCSCD_LOG)"

[ "$PCSCD_ONLY" = 1 ] && exit 0

# --- the card --------------------------------------------------------------------------------
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd -P)
card_pid() { # prints the pid of the running card, if any
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid=$(sed -n 1p "$PIDFILE")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q sio-virtual-card "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}
card_state() { sed -n 2p "$PIDFILE" 2>/dev/null; }
card_running() { card_pid >/dev/null && [ "$(card_state)" = "$STATE" ]; }

if card_pid >/dev/null && { [ "$RESET" = 1 ] || [ "$(card_state)" != "$STATE" ]; }; then
    log "stopping the running card ($(card_state))"
    "$ROOT/scripts/card-down.sh" >/dev/null
fi
# An explicit card-up always inserts the card.
rm -f "$STATE/control"
[ "$RESET" = 1 ] && rm -rf "$STATE/pki"

if ! card_running; then
    # vpcd serves one card connection per slot: anything else attached would hide ours.
    other=$(ss -tnpH state established "dport = :$VPCD_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 || true)
    [ -z "$other" ] || die "vpcd slot 127.0.0.1:$VPCD_PORT is taken by another client ($other, not a card started by card-up.sh); stop it first"
    BIN=${SIO_CARD_BIN:-}
    if [ -z "$BIN" ]; then
        BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/sio-virtual-card"
        # Build only when the binary is missing or older than its sources (cargo's build lock can
        # be busy for minutes while other crates build).
        if [ ! -x "$BIN" ] || [ -n "$(find "$ROOT/crates/sio-virtual-card/src" \
                "$ROOT/crates/sio-virtual-card/Cargo.toml" -newer "$BIN" 2>/dev/null | head -1)" ]; then
            log "building sio-virtual-card (debug)"
            (cd "$ROOT" && cargo build --quiet -p sio-virtual-card --bin sio-virtual-card) >&2
        fi
    fi
    [ -x "$BIN" ] || die "card binary not found: $BIN"
    ARGS=(--state "$STATE")
    [ "$RESET" = 1 ] && ARGS+=(--reset)
    log "starting $BIN ${ARGS[*]} (log: $STATE/card.log)"
    detach "$BIN" "${ARGS[@]}" </dev/null >>"$STATE/card.log" 2>&1 &
    STARTED=$!
    for _ in $(seq 1 50); do
        [ "$(sed -n 1p "$PIDFILE" 2>/dev/null)" = "$STARTED" ] && break
        kill -0 "$STARTED" 2>/dev/null || die "the card process exited; see $STATE/card.log"
        sleep 0.1
    done
fi

# --- wait until pcscd reports the card --------------------------------------------------------
card_present() {
    opensc-tool -l 2>/dev/null | awk -v r="$READER" '$0 ~ r && $2 == "Yes" { found = 1 } END { exit !found }'
}
for i in $(seq 1 $((TIMEOUT * 5))); do
    # pcscd's vpcd driver can miss a card that reconnected while it was busy: every 5 s without
    # the card, take it out and in once (the control file), as a person would.
    if [ $((i % 25)) -eq 0 ] && [ ! -e "$STATE/control" ]; then
        echo remove >"$STATE/control"; sleep 1; rm -f "$STATE/control"
    fi
    if card_present; then
        if [ "$PROVISION" = 1 ]; then
            SIO_CARD_STATE="$STATE" "$ROOT/crates/sio-virtual-card/provision.sh" >&2 ||
                die "provisioning failed"
        fi
        echo "$READER"
        exit 0
    fi
    card_running || die "the card process exited; see $STATE/card.log"
    sleep 0.2
done
opensc-tool -l >&2 || true
die "no card in reader \"$READER\" after ${TIMEOUT}s; see $STATE/card.log and $PCSCD_LOG"
