#!/usr/bin/env bash
# Run АРМ СИО ПСО on its embedded default: the virtual PIV card in a real pcscd, the rules of the
# acts, and (as they land) the bundled gateway with a fresh test PKI and the demo user.
# Debian 12, root. Idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh
cargo build -q -p sio-cli
SIO="$ROOT/target/debug/sio"

echo "== the virtual PIV card in pcscd"
bash scripts/card-up.sh

echo
echo "== the rules: what an investigator of the internal affairs bodies (role 3) may ask in a criminal case"
"$SIO" catalogue --json | jq -r '.roles[2] | "role \(.no): \(.name_en) — bases: \(.bases | join(", "))"'
echo '{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},"subject":{"kind":"individual","id":"900101300106"},"service":38,"article":{"article":216}}' \
    | "$SIO" check - || true
echo '{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},"subject":{"kind":"individual","id":"900101300106"},"service":38,"article":{"article":190}}' \
    | "$SIO" check - || true
