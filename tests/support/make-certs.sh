#!/usr/bin/env bash
# Test PKI for tok's TLS tests, generated at run time with openssl (never committed):
#
#     tests/support/make-certs.sh DIR
#
# writes into DIR (created if missing; keys 0600, EC P-256 for speed):
#   ca.pem, ca.key                 a private root CA ("tok test CA")
#   leaf.pem, leaf.key             server leaf for IP 127.0.0.1, DNS localhost and DNS
#                                  idp.corp.test (proxy tests), signed by ca
#   chain.pem                      leaf.pem followed by ca.pem
#   expired.pem, expired.key       same names, signed by ca, valid from 2 days ago to 1 day ago
#   wrong-host.pem, wrong-host.key signed by ca, for DNS wrong-host.example.test only
#   unknown-ca.pem                 another root CA that nobody trusts (its key is thrown away)
#   untrusted.pem, untrusted.key   leaf for 127.0.0.1 + localhost signed by unknown-ca
#   self-signed.pem, self-signed.key  a self-signed leaf for 127.0.0.1 + localhost
#   bundle.pem                     the system roots followed by ca.pem (for curl --cacert, or
#                                  SSL_CERT_FILE of a client that must still reach public hosts)
#   not-pem.pem                    a file that is not PEM (a CA-file error case)
#   client.pem, client.key         mutual TLS client certificate signed by ca: CN tok-mtls-client,
#                                  SAN DNS client.tok.test, extendedKeyUsage clientAuth
#   client-self.pem, client-self.key  a self-signed mutual TLS client certificate
# and prints nothing on success. Every leaf is valid for 2 days (except expired.pem). Takes
# about 0.1-0.2 s.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca_ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"

# root CA: self-signed, v3, CA:TRUE (webpki refuses a v1 or CA:FALSE root)
mkca() { # name key cn
  newkey "$2"
  openssl req -x509 -new -key "$2" -out "$1" -days 30 -subj "/O=tok tests/CN=$3" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

leaf_ext() { # SAN
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" \
    "authorityKeyIdentifier=keyid" \
    "subjectAltName=$1"
}

# leaf signed by a CA, valid from now for 2 days
mkleaf() { # name ca.pem ca.key SAN cn
  newkey "$1.key"
  openssl req -new -key "$1.key" -subj "/O=tok tests/CN=$5" -out "$tmp/$1.csr" 2>/dev/null
  leaf_ext "$4" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$2" -CAkey "$3" -CAcreateserial -CAserial "$tmp/serial" \
    -days 2 -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

LOOPBACK="IP:127.0.0.1,DNS:localhost"

mkca ca.pem ca.key "tok test CA"
# idp.corp.test: the "corporate" name of the provider in the proxy tests (reached only through
# the proxy's --map, never resolved by the client)
mkleaf leaf ca.pem ca.key "$LOOPBACK,DNS:idp.corp.test" 127.0.0.1
cat leaf.pem ca.pem > chain.pem
mkleaf wrong-host ca.pem ca.key "DNS:wrong-host.example.test" wrong-host.example.test

# expired leaf: `openssl x509` cannot back-date (OpenSSL 3.0), `openssl ca` can.
newkey expired.key
openssl req -new -key expired.key -subj "/O=tok tests/CN=127.0.0.1" -out "$tmp/expired.csr" 2>/dev/null
leaf_ext "$LOOPBACK" > "$tmp/expired.ext"
: > "$tmp/index.txt"
cat > "$tmp/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/ca-serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
openssl rand -hex 8 > "$tmp/ca-serial"
openssl ca -batch -config "$tmp/ca.cnf" -cert ca.pem -keyfile ca.key -in "$tmp/expired.csr" \
  -startdate "$(date -u -d '2 days ago' +%Y%m%d%H%M%SZ)" \
  -enddate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)" \
  -extfile "$tmp/expired.ext" -notext -out expired.pem 2>/dev/null

# a CA nobody trusts, and a leaf it signed
mkca unknown-ca.pem "$tmp/unknown-ca.key" "unknown test CA"
mkleaf untrusted unknown-ca.pem "$tmp/unknown-ca.key" "$LOOPBACK" 127.0.0.1

# self-signed leaf (no CA at all)
newkey self-signed.key
openssl req -x509 -new -key self-signed.key -out self-signed.pem -days 2 \
  -subj "/O=tok tests/CN=127.0.0.1" -addext "subjectAltName=$LOOPBACK" 2>/dev/null

# mutual TLS client certificates (RFC 8705): CA-issued, and self-signed
newkey client.key
openssl req -new -key client.key -subj "/O=tok tests/CN=tok-mtls-client" -out "$tmp/client.csr" 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=clientAuth" "subjectAltName=DNS:client.tok.test" > "$tmp/client.ext"
openssl x509 -req -in "$tmp/client.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -CAserial "$tmp/serial" \
  -days 2 -extfile "$tmp/client.ext" -out client.pem 2>/dev/null
newkey client-self.key
openssl req -x509 -new -key client-self.key -out client-self.pem -days 2 \
  -subj "/O=tok tests/CN=tok-mtls-self-signed" -addext "extendedKeyUsage=clientAuth" 2>/dev/null

roots=${TOK_TEST_SYSTEM_ROOTS:-/etc/ssl/certs/ca-certificates.crt}
if [[ -r $roots ]]; then cat "$roots" ca.pem > bundle.pem; else cp ca.pem bundle.pem; fi
printf 'this is not a PEM file\n' > not-pem.pem

# certificates are public: readable by all; keys stay 0600
chmod 644 ./*.pem
