#!/usr/bin/env bash
# make-test-certificates.sh DIR: a throwaway certificate authority for TLS tests, made with openssl
# in DIR: ca.pem (the CA), server.pem + server.key (for 127.0.0.1 and localhost), client.pem +
# client.key (a client certificate), all signed by the CA, valid two days. The TypeScript and the
# Python tests both use it.
set -euo pipefail
cd "$1"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -subj "/CN=h5saver test CA" -days 2 -out ca.pem 2>/dev/null
signed() { # NAME SUBJECT EXTENSIONS
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%b\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" \
    -out "$1.pem" 2>/dev/null
}
signed server "/CN=127.0.0.1" 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
signed client "/CN=h5saver test client" 'extendedKeyUsage=clientAuth'
