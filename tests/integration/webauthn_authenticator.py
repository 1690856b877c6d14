#!/usr/bin/env python3
"""webauthn_authenticator.py: a software FIDO2 authenticator and its browser,
as an independent peer of jpki's WebAuthn verifier (src/lib/operator/webauthn.c).

Written from the specifications alone (WebAuthn Level 2 §5.8.1, §6.1, §6.5,
§8.2, §8.7; RFC 8949 CBOR; RFC 8152 COSE keys), with python3-cryptography for
the keys and signatures and a CBOR encoder of its own.  It keeps its key,
credential id and sign counter in a state file (JSON, the key as PKCS#8 PEM)
and writes what a browser would hand to the relying party as files:

  register --state F --out DIR --rp-id ID --origin O --challenge B64URL
           [--fmt none|packed] [--alg es256|eddsa]
      DIR/client_data.json, DIR/attestation_object (CBOR), DIR/credential_id
  assert   --state F --out DIR --rp-id ID --origin O --challenge B64URL
           [--count N]
      DIR/client_data.json, DIR/authenticator_data, DIR/signature,
      DIR/credential_id; the counter goes one up (or to N) and is saved.

Nothing is a secret on the command line: the challenge is public.
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

# ---- CBOR (RFC 8949 §3), the shortest heads, as CTAP2's canonical form ----


def cbor_head(major, arg):
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | ai]) + arg.to_bytes(size, "big")
    raise ValueError("too large")


def cbor(value):
    if isinstance(value, bool):
        return bytes([0xF5 if value else 0xF4])
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, str):
        b = value.encode("utf-8")
        return cbor_head(3, len(b)) + b
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        # CTAP2 canonical order: shorter encoded keys first, then bytewise
        items = sorted(((cbor(k), cbor(v)) for k, v in value.items()),
                       key=lambda kv: (len(kv[0]), kv[0]))
        return cbor_head(5, len(items)) + b"".join(k + v for k, v in items)
    raise TypeError(type(value))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---- the authenticator ----

AAGUID = bytes.fromhex("6a706b692d736f66742d617574686e00")  # "jpki-soft-authn\0"
UP, AT = 0x01, 0x40


def load_key(state):
    return serialization.load_pem_private_key(state["key"].encode(), None)


def cose_key(key):
    pub = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {1: 1, 3: -8, -1: 6, -2: raw}  # RFC 8037 §2: OKP, EdDSA, Ed25519
    nums = pub.public_numbers()
    return {1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"),  # RFC 8152 §13.1.1
            -3: nums.y.to_bytes(32, "big")}


def sign(key, data):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER, as §6.5.5 wants


def client_data(kind, challenge, origin):
    # §5.8.1, in the order browsers write it
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                       "crossOrigin": False}, separators=(",", ":")).encode()


def auth_data(rp_id, flags, count, attested=b""):
    # §6.1: rpIdHash, flags, signCount (big-endian), attested credential data
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + \
        struct.pack(">I", count) + attested


def register(a):
    b64url_decode(a.challenge)
    if a.alg == "eddsa":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    cred_id = os.urandom(48)
    attested = AAGUID + struct.pack(">H", len(cred_id)) + cred_id + cbor(cose_key(key))
    ad = auth_data(a.rp_id, UP | AT, 0, attested)
    cd = client_data("webauthn.create", a.challenge, a.origin)
    if a.fmt == "packed":  # §8.2 self attestation: signed by the credential's own key
        stmt = {"alg": -8 if a.alg == "eddsa" else -7,
                "sig": sign(key, ad + hashlib.sha256(cd).digest())}
    else:
        stmt = {}  # §8.7
    obj = cbor({"fmt": a.fmt, "attStmt": stmt, "authData": ad})
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    save(a.state, {"key": pem, "credential_id": b64url(cred_id), "count": 0})
    write(a.out, {"client_data.json": cd, "attestation_object": obj,
                  "credential_id": cred_id})


def assertion(a):
    with open(a.state) as f:
        state = json.load(f)
    key = load_key(state)
    count = a.count if a.count is not None else state["count"] + 1
    ad = auth_data(a.rp_id, UP, count)
    cd = client_data("webauthn.get", a.challenge, a.origin)
    sig = sign(key, ad + hashlib.sha256(cd).digest())  # §6.3.3 step 11
    state["count"] = count
    save(a.state, state)
    write(a.out, {"client_data.json": cd, "authenticator_data": ad, "signature": sig,
                  "credential_id": b64url_decode(state["credential_id"])})


def save(path, state):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)


def write(out, files):
    os.makedirs(out, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("register", "assert"):
        s = sub.add_parser(name)
        s.add_argument("--state", required=True)
        s.add_argument("--out", required=True)
        s.add_argument("--rp-id", required=True)
        s.add_argument("--origin", required=True)
        s.add_argument("--challenge", required=True)
        if name == "register":
            s.add_argument("--fmt", choices=("none", "packed"), default="none")
            s.add_argument("--alg", choices=("es256", "eddsa"), default="es256")
        else:
            s.add_argument("--count", type=int)
    a = p.parse_args()
    register(a) if a.cmd == "register" else assertion(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
