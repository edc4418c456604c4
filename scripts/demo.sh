#!/usr/bin/env bash
# Run АРМ СИО ПСО on its embedded default, end to end on this machine (Debian 12, root):
#   the reference gateway over mutual TLS 1.3 with a fresh test PKI and the demo accounts,
#   the virtual PIV smart card in a real pcscd holding the demo investigator's keys,
#   and the officer's login: PIN → signed challenge → SMS code (read from the gateway's outbox)
#   → consent signed on the first login → an active session; then, on the command line, the
#   officer's day: a request composed, signed on the card and sent, its result shown once and
#   destroyed, the audit journal verified.
# Idempotent. Everything lives under $SIO_DEMO_DIR (default /tmp/sio-demo); the gateway keeps
# running afterwards on 127.0.0.1:8443 (stop it with: kill $(cat $SIO_DEMO_DIR/gateway.pid)).
#
# In a desktop session ($DISPLAY or $WAYLAND_DISPLAY set) it then opens the desktop app (src-tauri)
# pointed at them, and prints the SMS codes the gateway sends as they arrive; without one it does
# the officer's login on the command line. Force either with --app or --cli
# (headless app: xvfb-run -a bash scripts/demo.sh --app).
set -euo pipefail
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then APP=1; else APP=0; fi
for arg in "$@"; do
    case "$arg" in
        --app) APP=1 ;;
        --cli) APP=0 ;;
        *) echo "usage: $0 [--app|--cli]" >&2; exit 2 ;;
    esac
done
if [ "$APP" = 1 ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "demo.sh --app needs a desktop session (\$DISPLAY); without one: xvfb-run -a bash scripts/demo.sh --app" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DEMO=${SIO_DEMO_DIR:-/tmp/sio-demo}
LISTEN=${SIO_DEMO_LISTEN:-127.0.0.1:8443}
PIN=123456
INVESTIGATOR=850415300121

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bash scripts/setup.sh
# The vault's and the journal's keys live in the kernel keyring of a session (a desktop login has
# one): the whole demo runs in one, so that the `sio` processes it starts share them.
if [ "$APP" = 0 ] && [ -z "${SIO_DEMO_IN_KEYRING:-}" ]; then
    SIO_DEMO_IN_KEYRING=1 exec keyctl session sio-demo bash "${BASH_SOURCE[0]}" "$@"
fi
cargo build -q -p sio-cli -p sio-virtual-card
SIO="$ROOT/target/debug/sio"
mkdir -p "$DEMO"

say "Test PKI shaped like NCA RK's ($DEMO/pki)"
[ -f "$DEMO/pki/ca.cert.pem" ] || "$SIO" pki init "$DEMO/pki" --users demo >/dev/null
echo "CA: $(openssl x509 -in "$DEMO/pki/ca.cert.pem" -noout -subject)"

say "The virtual PIV card in pcscd, holding the investigator's keys (certificates from that CA)"
# One card for the machine: hold its lock for the demo (tests take the same lock).
exec {CARD_LOCK}>/tmp/sio-card.lock
flock "$CARD_LOCK"
bash scripts/card-up.sh >/dev/null
SIO_CARD_PKI="$DEMO/card" SIO_CARD_CA_CERT="$DEMO/pki/ca.cert.pem" SIO_CARD_CA_KEY="$DEMO/pki/ca.key.pem" \
    SIO_CARD_SUBJECT="/C=KZ/CN=ИВАНОВ АЛЕКСЕЙ/SN=ИВАНОВ/GN=АЛЕКСЕЙ/serialNumber=IIN$INVESTIGATOR/O=ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)/OU=BIN040340001233" \
    crates/sio-virtual-card/provision.sh
opensc-tool -l | sed -n '3,$p'

say "The reference gateway on https://$LISTEN (mutual TLS 1.3, SQLite in $DEMO/gateway)"
if [ -f "$DEMO/gateway.pid" ] && kill -0 "$(cat "$DEMO/gateway.pid")" 2>/dev/null; then
    echo "already running (pid $(cat "$DEMO/gateway.pid"))"
else
    setsid "$SIO" gateway run --data "$DEMO/gateway" --pki "$DEMO/pki" --listen "$LISTEN" \
        </dev/null >"$DEMO/gateway.log" 2>&1 {CARD_LOCK}>&- &
    echo $! >"$DEMO/gateway.pid"
    for _ in $(seq 100); do
        curl -s --max-time 1 -o /dev/null --cacert "$DEMO/pki/ca.cert.pem" "https://$LISTEN/" 2>/dev/null && break
        ss -ltn | grep -q "${LISTEN##*:} " && break
        sleep 0.1
    done
    echo "started (pid $(cat "$DEMO/gateway.pid"), log $DEMO/gateway.log)"
fi

cat >"$DEMO/policy.toml" <<POLICY
# The administrator's policy of this demo workstation (see docs/INSTALL.md).
[gateway]
url = "https://$LISTEN"
ca = "$DEMO/pki/ca.cert.pem"

[air_gap]
on_violation = "warn"

[results]
export_dirs = ["$DEMO/export"]
POLICY
mkdir -p "$DEMO/export"

say "The rules: what the investigator (role 3) may ask"
echo '{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000777"},"subject":{"kind":"legal_entity","id":"040340001233"},"service":38,"article":{"article":245}}' |
    "$SIO" check - || true
echo '{"role":3,"basis":"civil_court","case":{"kind":"civil_court","number":"2-1234","year":2025,"court":"Есильский районный суд"},"subject":{"kind":"individual","id":"850415300121"},"service":1}' |
    "$SIO" check - || true

if [ "$APP" = 1 ]; then
    say "The desktop app against this gateway and card"
    [ -f ui/dist/index.html ] || (cd ui && npm ci --no-audit --no-fund && npm run build)
    cargo build -q -p arm-sio-pso
    echo "Log in with PIN $PIN. SMS codes for the investigator appear below as the gateway sends them."
    ( seen=""
      while sleep 1; do
          code=$("$SIO" gateway admin --data "$DEMO/gateway" sms-outbox 2>/dev/null |
              jq -r --arg iin "$INVESTIGATOR" '[.[] | select(.iin == $iin)] | if length > 0 then (max_by(.id).text | capture("(?<c>[0-9]{6})").c) else empty end' 2>/dev/null || true)
          if [ -n "$code" ] && [ "$code" != "$seen" ]; then echo "SMS code: $code"; seen=$code; fi
      done ) {CARD_LOCK}>&- &
    SMS_WATCH=$!
    trap 'kill "$SMS_WATCH" 2>/dev/null || true' EXIT
    # The app holds the card lock (inherited) while it runs.
    SIO_POLICY="$DEMO/policy.toml" SIO_DATA_DIR="$DEMO/app" SIO_KEYSTORE=memory \
        "$ROOT/target/debug/arm-sio-pso"
    exit 0
fi

say "Login: PIN → signed challenge → SMS code from the gateway's outbox → consent on the first login"
before=$("$SIO" gateway admin --data "$DEMO/gateway" sms-outbox | jq -r --arg iin "$INVESTIGATOR" '[.[] | select(.iin == $iin)] | length')
coproc LOGIN { "$SIO" login --policy "$DEMO/policy.toml" --stdin --lang en {CARD_LOCK}>&-; }
echo "$PIN" >&"${LOGIN[1]}"
code=""
for _ in $(seq 300); do
    code=$("$SIO" gateway admin --data "$DEMO/gateway" sms-outbox |
        jq -r --arg iin "$INVESTIGATOR" --argjson n "$before" '[.[] | select(.iin == $iin)] | if length > $n then (max_by(.id).text | capture("(?<c>[0-9]{6})").c) else empty end')
    [ -n "$code" ] && break
    sleep 0.1
done
[ -n "$code" ] || { echo "no SMS code arrived" >&2; exit 1; }
echo "(the SMS outbox holds code $code for the investigator's phone)"
echo "$code" >&"${LOGIN[1]}"
echo "$PIN" >&"${LOGIN[1]}"   # the signing PIN, asked only on the first login (consent)
exec {LOGIN[1]}>&-
result=$(cat <&"${LOGIN[0]}")
wait "${LOGIN_PID:-}" 2>/dev/null || true
echo "$result" | jq .
echo "$result" | jq -e '.ok' >/dev/null

# The officer's day on the command line: a request the rules allow, signed on the card, sent, the
# result shown once and destroyed, the audit journal verified. A fresh workstation directory per
# run: its journal's head is anchored in the keyring under its path.
WS="$DEMO/workstation.$(date +%s)"
REQUEST=(--role 3 --basis criminal --erdr 241500031000123 --subject 900101300106 --service 1)
sms_count() {
    "$SIO" gateway admin --data "$DEMO/gateway" sms-outbox | jq -r --arg iin "$INVESTIGATOR" '[.[] | select(.iin == $iin)] | length'
}
# The newest SMS code for the investigator once there are more than $1 codes.
sms_after() {
    local code=""
    for _ in $(seq 300); do
        code=$("$SIO" gateway admin --data "$DEMO/gateway" sms-outbox |
            jq -r --arg iin "$INVESTIGATOR" --argjson n "$1" '[.[] | select(.iin == $iin)] | if length > $n then (max_by(.id).text | capture("(?<c>[0-9]{6})").c) else empty end')
        [ -n "$code" ] && break
        sleep 0.1
    done
    [ -n "$code" ] || { echo "no SMS code arrived" >&2; exit 1; }
    echo "$code"
}

say "Compose: criminal case 241500031000123, the subject's ИИН, service 1 — checked against the rules before signing"
"$SIO" request compose "${REQUEST[@]}" --preview | jq -c '{role, basis, service, case, subject}'

say "Sign on the card (PIN for this one signature), send over mutual TLS (card PIN, SMS code), wait for the result"
before=$(sms_count)
coproc SEND { "$SIO" request send --policy "$DEMO/policy.toml" --stdin --data-dir "$WS" "${REQUEST[@]}" \
    2>"$DEMO/send.log" {CARD_LOCK}>&-; }
printf '%s\n%s\n' "$PIN" "$PIN" >&"${SEND[1]}"
code=$(sms_after "$before")
echo "(the SMS outbox holds code $code)"
echo "$code" >&"${SEND[1]}"
exec {SEND[1]}>&-
sent=$(cat <&"${SEND[0]}")
wait "${SEND_PID:-}" 2>/dev/null || true
REQUEST_ID=$(echo "$sent" | jq -r 'select(.status.state == "result_ready") | .request_id' | head -1)
[ -n "$REQUEST_ID" ] || { echo "$sent"; cat "$DEMO/send.log" >&2; exit 1; }
echo "request $REQUEST_ID: result ready, kept encrypted in the vault"
"$SIO" request list --data-dir "$WS" | jq -c '{request_id, state: .status.state}'

say "View the result once: shown, then destroyed (crypto-erase)"
echo "$PIN" | "$SIO" request view "$REQUEST_ID" --stdin --data-dir "$WS" {CARD_LOCK}>&-
left=$("$SIO" request list --data-dir "$WS" | jq -c 'select(.status.state == "in_vault")')
[ -z "$left" ] || { echo "still in the vault: $left" >&2; exit 1; }
echo "the vault holds no result any more"
if echo "$PIN" | "$SIO" request view "$REQUEST_ID" --stdin --data-dir "$WS" >/dev/null 2>&1 {CARD_LOCK}>&-; then
    echo "the result could be viewed twice" >&2; exit 1
fi
echo "viewing it again is refused: the local copy no longer exists"

say "The audit journal: hash-chained, MAC'd, its head anchored in the keyring"
"$SIO" audit verify --journal "$WS/audit.jsonl"

say "Done"
echo "The gateway keeps running on https://$LISTEN; its journal: $SIO gateway admin --data $DEMO/gateway journal"
