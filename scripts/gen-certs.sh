#!/usr/bin/env bash
# Make a development CA and a server certificate for localhost / 127.0.0.1.
#
#   scripts/gen-certs.sh [DIR]      (DIR defaults to certs/ in the repository)
#
# Writes ca.pem, ca-key.pem, server.pem, server-key.pem (ECDSA P-256, SHA-256
# signatures, 825 days). Leaves existing files alone when they are still valid
# (parse, not expiring within a day, server cert signed by the CA, key matches,
# SAN present). FOR TESTS AND DEVELOPMENT ONLY: never use these in production.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/certs}"
DAYS=825
mkdir -p "$DIR"
cd "$DIR"

log() { printf '[gen-certs] %s\n' "$*" >&2; }

pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }

valid() {
    local f
    for f in ca.pem ca-key.pem server.pem server-key.pem; do
        [[ -s "$f" ]] || return 1
    done
    openssl x509 -in ca.pem -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in server.pem -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl verify -CAfile ca.pem server.pem >/dev/null 2>&1 || return 1
    [[ "$(pubkey_of_cert ca.pem)" == "$(pubkey_of_key ca-key.pem)" ]] || return 1
    [[ "$(pubkey_of_cert server.pem)" == "$(pubkey_of_key server-key.pem)" ]] || return 1
    local san
    san="$(openssl x509 -in server.pem -noout -ext subjectAltName 2>/dev/null)" || return 1
    [[ "$san" == *"DNS:localhost"* && "$san" == *"IP Address:127.0.0.1"* ]] || return 1
}

if valid; then
    log "certificates in $DIR are present and valid; nothing to do"
    exit 0
fi

log "generating development CA and server certificate in $DIR"
umask 077
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca-key.pem"
openssl req -x509 -new -sha256 -days "$DAYS" -key "$tmp/ca-key.pem" -out "$tmp/ca.pem" \
    -subj "/O=Sluice development/CN=Sluice development CA (not for production)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/server-key.pem"
openssl req -new -sha256 -key "$tmp/server-key.pem" -out "$tmp/server.csr" \
    -subj "/O=Sluice development/CN=localhost"
cat >"$tmp/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
openssl x509 -req -sha256 -days "$DAYS" -in "$tmp/server.csr" \
    -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -extfile "$tmp/server.ext" -out "$tmp/server.pem" 2>/dev/null

openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.pem" >/dev/null

install -m 600 "$tmp/ca-key.pem" "$tmp/server-key.pem" "$DIR/"
install -m 644 "$tmp/ca.pem" "$tmp/server.pem" "$DIR/"
log "wrote $DIR/{ca.pem,ca-key.pem,server.pem,server-key.pem}"
