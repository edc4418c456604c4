#!/usr/bin/env bash
# Provision the virtual PIV card (it must be present in its reader): generate keys on the
# card in slots 9A (PIV authentication) and 9C (digital signature) and load X.509 certificates
# for them, issued by a test CA. Idempotent: if the card already holds the certificates recorded
# in the output directory, nothing is done.
#
# Usage: provision.sh [--force]
# Environment:
#   SIO_CARD_STATE     card state directory (default /tmp/sio-card); output goes to $SIO_CARD_STATE/pki
#   SIO_CARD_PKI       output directory instead (ca.pem, 9a.pem, 9c.pem, 9a.pub.pem, 9c.pub.pem)
#   SIO_CARD_ALG_9A    RSA2048 (default) or ECCP256
#   SIO_CARD_ALG_9C    ECCP256 (default) or RSA2048
#   SIO_CARD_CA_CERT, SIO_CARD_CA_KEY   PEM CA certificate and key to issue with (default: a new
#                      throwaway CA in the output directory)
#   SIO_CARD_SUBJECT   subject (OpenSSL /A=b/C=d form, UTF-8) of both certificates
#   SIO_CARD_READER    the card's reader (default "Virtual PCD 00 00"; vpcd's second slot is
#                      "Virtual PCD 00 01")
# Needs: yubico-piv-tool, openssl. Management key: the card default (3DES 0102..08 ×3) unless
# SIO_CARD_MGM_KEY is set.
set -euo pipefail

STATE=${SIO_CARD_STATE:-/tmp/sio-card}
OUT=${SIO_CARD_PKI:-$STATE/pki}
ALG_9A=${SIO_CARD_ALG_9A:-RSA2048}
ALG_9C=${SIO_CARD_ALG_9C:-ECCP256}
MGM=${SIO_CARD_MGM_KEY:-010203040506070801020304050607080102030405060708}
SUBJECT=${SIO_CARD_SUBJECT:-"/C=KZ/CN=ИВАНОВ АЛЕКСЕЙ/SN=ИВАНОВ/GN=АЛЕКСЕЙ/serialNumber=IIN850415300121/O=ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)/OU=BIN040340001233"}
READER=${SIO_CARD_READER:-"Virtual PCD 00 00"}
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

die() { echo "provision: $*" >&2; exit 1; }
log() { echo "provision: $*" >&2; }
for tool in yubico-piv-tool openssl; do
    command -v "$tool" >/dev/null || die "$tool not found; install the packages in scripts/apt-packages.txt"
done

ypt() { yubico-piv-tool --reader="$READER" "--key=$MGM" "$@"; }

mkdir -p "$OUT"
cd "$OUT"

card_cert_matches() { # slot file
    local got
    got=$(ypt -a read-certificate -s "$1" 2>/dev/null | openssl x509 -outform DER 2>/dev/null | sha256sum) || return 1
    [ -f "$2" ] || return 1
    [ "$got" = "$(openssl x509 -in "$2" -outform DER | sha256sum)" ]
}

# The keys are generated ON the card: both certificates carry the test PKI's certificate policy for
# a hardware carrier (sio_pki::HARDWARE_CARRIER_POLICY, <test arc>.2.1), which the gateway requires
# of a login certificate (GW_CARRIER_NOT_HARDWARE otherwise).
HARDWARE_POLICY=2.25.42354277291710988704455837689059041957.2.1

# The identity and issuer asked for this time; a change means provisioning again.
WANT="$SUBJECT|${SIO_CARD_CA_CERT:-throwaway}|$ALG_9A|$ALG_9C|policy=$HARDWARE_POLICY"
if [ "$FORCE" = 0 ] && [ "$(cat wanted.txt 2>/dev/null)" = "$WANT" ] &&
    card_cert_matches 9a 9a.pem && card_cert_matches 9c 9c.pem; then
    log "card already provisioned ($OUT)"
    exit 0
fi

# --- CA --------------------------------------------------------------------------------------
if [ -n "${SIO_CARD_CA_CERT:-}" ]; then
    [ -n "${SIO_CARD_CA_KEY:-}" ] || die "SIO_CARD_CA_CERT needs SIO_CARD_CA_KEY"
    CA_CERT=$SIO_CARD_CA_CERT
    CA_KEY=$SIO_CARD_CA_KEY
    cp "$CA_CERT" ca.pem
else
    CA_CERT=$OUT/ca.pem
    CA_KEY=$OUT/ca.key
    if [ ! -f "$CA_CERT" ] || [ ! -f "$CA_KEY" ]; then
        log "creating throwaway test CA"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CA_KEY" \
            -out "$CA_CERT" -days 3650 -utf8 -subj "/C=KZ/O=SIO Test PKI/CN=SIO Test Card CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    fi
fi

cat >ext-9a.cnf <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
certificatePolicies=$HARDWARE_POLICY
EXT
cat >ext-9c.cnf <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
certificatePolicies=$HARDWARE_POLICY
EXT

# A CSR made with a throwaway key only carries the subject; -force_pubkey puts the card's key in.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -utf8 \
    -subj "$SUBJECT" -out subject.csr 2>/dev/null

for slot in 9a 9c; do
    if [ "$slot" = 9a ]; then alg=$ALG_9A; else alg=$ALG_9C; fi
    log "generating $alg key in slot ${slot^^}"
    ypt -a generate -s "$slot" -A "$alg" -o "$slot.pub.pem" >/dev/null 2>gen.err || {
        cat gen.err >&2; die "key generation in slot $slot failed"; }
    openssl x509 -req -in subject.csr -force_pubkey "$slot.pub.pem" -CA "$CA_CERT" -CAkey "$CA_KEY" \
        -set_serial "0x$(openssl rand -hex 16)" -days 730 -extfile "ext-$slot.cnf" -out "$slot.pem" 2>/dev/null
    ypt -a import-certificate -s "$slot" -i "$slot.pem" >/dev/null 2>imp.err || {
        cat imp.err >&2; die "certificate import into slot $slot failed"; }
done
rm -f gen.err imp.err subject.csr
printf '%s\n' "$WANT" >wanted.txt
log "provisioned: $OUT/9a.pem ($ALG_9A), $OUT/9c.pem ($ALG_9C), CA $OUT/ca.pem"
