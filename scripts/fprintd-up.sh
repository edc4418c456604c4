#!/usr/bin/env bash
# fprintd with libfprint's `virtual_image` device on a system D-Bus, for the fingerprint tests
# (Debian 12: packages fprintd, libfprint-2-2, dbus, polkitd). Idempotent: starts only what is not
# running. The device's image socket is $STATE/virtual_image.sock (it exists only while a client
# has claimed the device); $STATE/env records it for the tests, which skip when it is absent.
# Stop with: kill $(cat /tmp/sio-fprintd/fprintd.pid) (the bus and polkitd may be shared).
set -euo pipefail
STATE=${SIO_FPRINTD_STATE:-/tmp/sio-fprintd}
SOCK="$STATE/virtual_image.sock"
BUS=/run/dbus/system_bus_socket
mkdir -p "$STATE" /run/dbus

for bin in /usr/libexec/fprintd /usr/lib/polkit-1/polkitd dbus-daemon; do
  command -v "$bin" >/dev/null || { echo "fprintd-up: $bin missing (apt-get install fprintd libfprint-2-2 polkitd dbus)" >&2; exit 1; }
done

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
on_bus() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null \
    | grep -q "boolean true"
}

# 1. The system bus.
if ! dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1; then
  rm -f /run/dbus/pid "$BUS"
  dbus-daemon --system --fork
  for _ in $(seq 50); do [ -S "$BUS" ] && break; sleep 0.1; done
fi

# 2. polkitd (fprintd asks it whether the caller may verify or enrol).
if ! on_bus org.freedesktop.PolicyKit1; then
  /usr/lib/polkit-1/polkitd --no-debug >"$STATE/polkitd.log" 2>&1 &
  echo $! >"$STATE/polkitd.pid"
  for _ in $(seq 100); do on_bus org.freedesktop.PolicyKit1 && break; sleep 0.1; done
  on_bus org.freedesktop.PolicyKit1 || { echo "fprintd-up: polkitd did not come up" >&2; cat "$STATE/polkitd.log" >&2; exit 1; }
fi

# 3. fprintd with the virtual image device, no idle exit (-t).
if on_bus net.reactivated.Fprint && alive "$STATE/fprintd.pid"; then
  :
else
  if on_bus net.reactivated.Fprint; then
    echo "fprintd-up: another fprintd owns net.reactivated.Fprint; stop it first" >&2
    exit 1
  fi
  rm -f "$SOCK"
  FP_VIRTUAL_IMAGE="$SOCK" /usr/libexec/fprintd -t >"$STATE/fprintd.log" 2>&1 &
  echo $! >"$STATE/fprintd.pid"
  for _ in $(seq 150); do on_bus net.reactivated.Fprint && break; sleep 0.1; done
  on_bus net.reactivated.Fprint || { echo "fprintd-up: fprintd did not come up" >&2; cat "$STATE/fprintd.log" >&2; exit 1; }
fi
printf 'SIO_FPRINTD_SOCKET=%s\n' "$SOCK" >"$STATE/env"
echo "fprintd up: virtual_image socket $SOCK"
