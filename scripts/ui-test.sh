#!/usr/bin/env bash
# Test the UI (ui/): install the locked npm packages, check that the committed service catalogue
# is what `sio catalogue --json` prints, type-check (svelte-check), unit tests (Vitest), build
# (Vite), and the browser smoke test (Playwright-core + Debian's chromium, screenshots in
# ui/test-artifacts/). Needs Node + npm (they come with the machine) and the Debian packages of
# scripts/apt-packages.txt (run scripts/setup.sh first; `chromium` is among them).
# Idempotent: run it as often as you like.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UI="$ROOT/ui"
cd "$UI"

command -v npm >/dev/null || { echo "ui-test: npm not found" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "ui-test: ${CHROMIUM:-/usr/bin/chromium} not found; run scripts/setup.sh (package chromium)" >&2; exit 1; }

# 1. Packages, exactly as locked (skipped when node_modules already matches the lockfile).
if ! { [ -f node_modules/.package-lock.json ] && node -e '
        const a = require("./package-lock.json").packages, b = require("./node_modules/.package-lock.json").packages;
        for (const k of Object.keys(a)) if (k && !(a[k].optional && !b[k]) && (!b[k] || b[k].version !== a[k].version)) process.exit(1);'; }; then
    echo "ui-test: npm ci" >&2
    npm ci --no-audit --no-fund
fi

# 2. The catalogue the UI offers must be the one the rules engine has.
fresh=$(mktemp /tmp/sio-catalogue.XXXXXX.json)
trap 'rm -f "$fresh"' EXIT
if [ -x "$ROOT/target/debug/sio" ]; then
    "$ROOT/target/debug/sio" catalogue --json > "$fresh"
else
    (cd "$ROOT" && cargo run -q -p sio-cli -- catalogue --json) > "$fresh"
fi
if ! cmp -s "$fresh" src/lib/catalogue/catalogue.json; then
    echo "ui-test: ui/src/lib/catalogue/catalogue.json is stale; regenerate it:" >&2
    echo "  ./target/debug/sio catalogue --json > ui/src/lib/catalogue/catalogue.json" >&2
    pretty='process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), null, 1))'
    diff <(node -e "$pretty" "$fresh") <(node -e "$pretty" src/lib/catalogue/catalogue.json) | head -40 >&2 || true
    exit 1
fi

# 3. Types, unit tests, build, browser smoke test.
npm run check
SIO_CATALOGUE_FRESH="$fresh" npm test
npm run build
npm run smoke
