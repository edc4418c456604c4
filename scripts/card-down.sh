#!/usr/bin/env bash
# Stop the virtual PIV card started by scripts/card-up.sh (this is a card removal for pcscd; the
# card's state directory is kept). With --pcscd, stop pcscd as well; with --pcscd-only, stop only
# pcscd (the card keeps running and reconnects when scripts/card-up.sh starts pcscd again).
#
# Usage: scripts/card-down.sh [--pcscd | --pcscd-only]
# Stops whichever card runs (there is one virtual slot), whatever its state directory.
set -euo pipefail

PIDFILE=/tmp/sio-card.pid   # written by card-up.sh: pid, state directory
STOP_PCSCD=0
STOP_CARD=1
for arg in "$@"; do
    case "$arg" in
        --pcscd) STOP_PCSCD=1 ;;
        --pcscd-only) STOP_PCSCD=1; STOP_CARD=0 ;;
        *) echo "card-down: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

if [ "$STOP_CARD" = 1 ] && [ -f "$PIDFILE" ]; then
    pid=$(sed -n 1p "$PIDFILE")
    if [ -n "$pid" ] && grep -q sio-virtual-card "/proc/$pid/cmdline" 2>/dev/null; then
        stop_pid "$pid"
        echo "card-down: card stopped (pid $pid)" >&2
    fi
    rm -f "$PIDFILE"
fi

if [ "$STOP_PCSCD" = 1 ]; then
    for pid in $(ps -C pcscd -o pid=,stat= | awk '$2 !~ /^Z/ { print $1 }'); do
        stop_pid "$pid"
        echo "card-down: pcscd stopped (pid $pid)" >&2
    done
fi
