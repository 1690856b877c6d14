#!/usr/bin/python3
"""webeid_peer: a second, independent Web eID peer for the integration tests.

It knows nothing of jpki's code: it implements, from the rules alone, both
sides of a Web eID login (docs/login.md), so that t_login_peer.sh can show
that jpki's token and jpki's validator interoperate with something else.

  validate     the relying party's side: checks a web-eid:1 authentication
               token against the relying party's own origin and nonce, in
               Web eID's order, and prints `OK <serial hex>` (exit 0) or
               `REFUSED <CHECK> <reason>` (exit 4).
  signed-data  the holder's side, step 1: writes the 64 bytes a card signs,
               SHA-256(origin) || SHA-256(nonce).
  token        the holder's side, step 2: wraps a certificate and the card's
               signature over those bytes (made by another tool, e.g. OpenSC's
               pkcs11-tool) into the token's JSON.

The clock is JPKI_NOW (ISO 8601, as in the other tests) when it is set, or
--now, else the system clock.  Only the standard library and `cryptography`
are used, in a way that works with Debian 12's cryptography 38 and newer.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

# Web eID's bounds on the token (characters).
TOKEN_MIN, TOKEN_MAX = 100, 10000
# Web eID's OCSP limits: the allowed clock skew and the greatest age of thisUpdate.
OCSP_SKEW = datetime.timedelta(minutes=15)
OCSP_MAX_AGE = datetime.timedelta(minutes=2)
OCSP_TIMEOUT = 5  # seconds, as for every fetch of the relying party
OCSP_MAX_BYTES = 64 * 1024
EXIT_OK, EXIT_USAGE, EXIT_REFUSED = 0, 2, 4


class Refused(Exception):
    """A failed check: CHECK is the failure's name, the message its reason."""

    def __init__(self, check, reason):
        super().__init__(reason)
        self.check = check


# ---- small helpers ---------------------------------------------------------------------


def utc(obj, name):
    """A timestamp attribute as an aware UTC datetime (`name_utc` on cryptography >= 42/43)."""
    aware = getattr(obj, name + "_utc", None)
    if aware is not None:
        return aware
    naive = getattr(obj, name)
    return None if naive is None else naive.replace(tzinfo=datetime.timezone.utc)


def clock(now_arg):
    """The validation time: --now, else JPKI_NOW, else the system clock."""
    text = now_arg or os.environ.get("JPKI_NOW")
    if not text:
        return datetime.datetime.now(datetime.timezone.utc)
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("the time needs an offset: " + text)
    return when.astimezone(datetime.timezone.utc)


def b64_strict(text):
    """Standard base64 with its padding, nothing else (RFC 4648 §4); bytes or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def serial_hex(cert):
    """The serial number in upper-case hex, whole bytes (as OpenSSL's BN_bn2hex writes it)."""
    n = cert.serial_number
    width = 2 * max(1, (n.bit_length() + 7) // 8)
    return "%0*X" % (width, n)


def signed_data(origin, nonce):
    """What the card signs: SHA-256(origin) || SHA-256(nonce), both UTF-8 (Web eID)."""
    return hashlib.sha256(origin.encode("utf-8")).digest() + hashlib.sha256(nonce.encode("utf-8")).digest()


def key_bits(cert):
    """The subjectPublicKey BIT STRING's contents (what an OCSP key hash is taken over)."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    raise Refused("CHAIN", "a CA key that is neither RSA nor EC")


def verify_with(key, signature, data, hash_alg):
    """A signature by KEY over DATA (PKCS#1 v1.5 for RSA, ECDSA for EC); True or False."""
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_alg)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_alg))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def cert_signed_by(cert, issuer):
    """CERT's signature verifies with ISSUER's public key (works on cryptography 38)."""
    if cert.signature_hash_algorithm is None:
        return False
    return verify_with(
        issuer.public_key(), cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm
    )


def valid_at(cert, now):
    return utc(cert, "not_valid_before") <= now <= utc(cert, "not_valid_after")


def extension(cert, cls):
    """CERT's extension value of class CLS, or None."""
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


# ---- the checks, in Web eID's order ----------------------------------------------------


def check_size(text):
    """Rule: a token has 100 to 10,000 characters."""
    if not TOKEN_MIN <= len(text) <= TOKEN_MAX:
        raise Refused("TOKEN_SIZE", "the token has %d characters (100 to 10000)" % len(text))


ORIGIN_RE = re.compile(r"https://([a-z0-9.-]+)(?::([1-9][0-9]{0,4}))?")
LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def check_origin(origin):
    """Rule: the relying party's origin as a browser serialises it (RFC 6454 §6.1):
    https only, a lower-case ASCII host (an IDN in Punycode), an optional port,
    no path, no trailing slash, no user information."""
    m = ORIGIN_RE.fullmatch(origin)
    ok = m is not None and len(m.group(1)) <= 253
    ok = ok and all(LABEL_RE.fullmatch(label) for label in m.group(1).split("."))
    ok = ok and (m.group(2) is None or int(m.group(2)) <= 65535)
    if not ok:
        raise Refused("ORIGIN", "the origin is not https://host[:port] in ASCII: %r" % origin)


def check_nonce(nonce):
    """The relying party's challenge: base64 of at least 32 random bytes."""
    raw = b64_strict(nonce)
    if raw is None or len(raw) < 32:
        raise Refused("TOKEN_FORMAT", "the nonce is not base64 of 32 bytes or more")


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a duplicate member")
    return dict(pairs)


def parse_token(text):
    """Rule: JSON with format web-eid:1*, unverifiedCertificate (base64 DER),
    algorithm RS256 or PS256 and signature (base64).  Returns (cert, algorithm, signature)."""
    try:
        tok = json.loads(text, object_pairs_hook=no_duplicates)
    except ValueError as e:
        raise Refused("TOKEN_FORMAT", "not JSON: %s" % e) from None
    if not isinstance(tok, dict):
        raise Refused("TOKEN_FORMAT", "the token is not a JSON object")
    for field in ("format", "unverifiedCertificate", "algorithm", "signature"):
        if not isinstance(tok.get(field), str):
            raise Refused("TOKEN_FORMAT", "no string %s" % field)
    if not tok["format"].startswith("web-eid:1"):
        raise Refused("TOKEN_FORMAT", "the format is not web-eid:1: %r" % tok["format"])
    if tok["algorithm"] not in ("RS256", "PS256"):
        raise Refused("TOKEN_FORMAT", "the algorithm is not RS256 or PS256: %r" % tok["algorithm"])
    der = b64_strict(tok["unverifiedCertificate"])
    if der is None:
        raise Refused("TOKEN_FORMAT", "unverifiedCertificate is not base64")
    signature = b64_strict(tok["signature"])
    if signature is None:
        raise Refused("TOKEN_FORMAT", "the signature is not base64")
    try:
        cert = x509.load_der_x509_certificate(der)
        key = cert.public_key()
    except ValueError as e:
        raise Refused("TOKEN_FORMAT", "unverifiedCertificate is not a DER certificate: %s" % e) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise Refused("TOKEN_FORMAT", "RS256 and PS256 need an RSA key")
    return cert, tok["algorithm"], signature


def check_validity(cert, now):
    """Rule: the certificate is valid now."""
    if not valid_at(cert, now):
        raise Refused("CERT_VALIDITY", "the certificate is not valid at %s" % now.isoformat())


def check_key_usage(cert):
    """Rule: keyUsage with digitalSignature; if an extendedKeyUsage is present, clientAuth in it."""
    ku = extension(cert, x509.KeyUsage)
    if ku is None or not ku.digital_signature:
        raise Refused("KEY_USAGE", "no keyUsage digitalSignature")
    eku = extension(cert, x509.ExtendedKeyUsage)
    if eku is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise Refused("KEY_USAGE", "an extendedKeyUsage without clientAuth")


def check_policy(cert, accepted):
    """Rule: when the relying party names policies, the certificate carries one of them."""
    if not accepted:
        return
    pols = extension(cert, x509.CertificatePolicies) or []
    held = {p.policy_identifier.dotted_string for p in pols}
    if not held & set(accepted):
        raise Refused("POLICY", "none of the policies %s is accepted" % sorted(held))


def find_issuer(cert, trusted, now):
    """Rule: issued by a trusted authentication CA, valid now, whose key verifies the
    certificate's signature.  Several generations may be trusted; returns the CA."""
    aki = extension(cert, x509.AuthorityKeyIdentifier)
    for ca in trusted:
        if ca.subject != cert.issuer or not valid_at(ca, now):
            continue
        bc = extension(ca, x509.BasicConstraints)
        if bc is None or not bc.ca:
            continue
        ski = extension(ca, x509.SubjectKeyIdentifier)
        if aki is not None and aki.key_identifier and ski is not None and aki.key_identifier != ski.digest:
            continue  # another generation of the same name
        if cert_signed_by(cert, ca):
            return ca
    raise Refused("CHAIN", "not issued by a trusted authentication CA valid now")


# ---- OCSP (RFC 6960, with Web eID's limits) -----------------------------------------------


def ocsp_url(cert):
    """The responder the certificate names in its authorityInfoAccess (plain http)."""
    aia = extension(cert, x509.AuthorityInformationAccess) or []
    for desc in aia:
        if desc.access_method == AuthorityInformationAccessOID.OCSP:
            url = desc.access_location.value
            if url.startswith("http://"):
                return url
    raise Refused("STATUS_FAILED", "the certificate names no http OCSP responder")


def ocsp_post(url, body):
    """POST the request; the response's bytes (bounded in time and size)."""
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
    )
    try:
        with urllib.request.urlopen(req, timeout=OCSP_TIMEOUT) as r:
            data = r.read(OCSP_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError) as e:
        raise Refused("STATUS_FAILED", "OCSP at %s: %s" % (url, e)) from None
    if len(data) > OCSP_MAX_BYTES:
        raise Refused("STATUS_FAILED", "the OCSP response is over %d bytes" % OCSP_MAX_BYTES)
    return data


def responder_is(resp, cert):
    """The response's ResponderID names CERT (byName or byKey, the SHA-1 of its key)."""
    if resp.responder_name is not None:
        return resp.responder_name == cert.subject
    return resp.responder_key_hash == hashlib.sha1(key_bits(cert)).digest()


def ocsp_signer(resp, ca, now):
    """Rule: the response is signed by the CA itself or by a responder certificate the CA
    issued for id-kp-OCSPSigning (valid now).  Returns the signer's certificate."""
    if responder_is(resp, ca):
        return ca
    for c in resp.certificates:
        if not responder_is(resp, c):
            continue
        eku = extension(c, x509.ExtendedKeyUsage)
        if c.issuer != ca.subject or not cert_signed_by(c, ca):
            raise Refused("STATUS_FAILED", "the OCSP responder was not issued by the CA")
        if eku is None or ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            raise Refused("STATUS_FAILED", "the OCSP responder lacks id-kp-OCSPSigning")
        if not valid_at(c, now):
            raise Refused("STATUS_FAILED", "the OCSP responder's certificate is not valid now")
        return c
    raise Refused("STATUS_FAILED", "the OCSP response is signed by neither the CA nor a responder it named")


def certid_matches(single, cert, ca):
    """The SingleResp's CertID is the certificate's: serial, issuer name and key hashes."""
    name = single.hash_algorithm.name  # "sha1", "sha256", ...: hashlib's names too
    if name not in hashlib.algorithms_guaranteed:
        return False

    def h(data):
        return hashlib.new(name, data)

    return (
        single.serial_number == cert.serial_number
        and single.issuer_name_hash == h(ca.subject.public_bytes()).digest()
        and single.issuer_key_hash == h(key_bits(ca)).digest()
    )


def check_ocsp(cert, ca, now):
    """Rule: OCSP at the AIA with a nonce; the answer successful, signed by an authorised
    responder, our nonce echoed, exactly one SingleResp for our CertID, fresh, and good."""
    url = ocsp_url(cert)
    nonce = os.urandom(32)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, ca, hashes.SHA1())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    try:
        resp = ocsp.load_der_ocsp_response(ocsp_post(url, request.public_bytes(serialization.Encoding.DER)))
    except ValueError as e:
        raise Refused("STATUS_FAILED", "not an OCSP response: %s" % e) from None
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise Refused("STATUS_FAILED", "the responder says %s" % resp.response_status.name)
    signer = ocsp_signer(resp, ca, now)
    if resp.signature_hash_algorithm is None or not verify_with(
        signer.public_key(), resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm
    ):
        raise Refused("STATUS_FAILED", "the OCSP response's signature does not verify")
    try:
        echoed = resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = None
    if echoed != nonce:
        raise Refused("STATUS_FAILED", "the OCSP response does not carry our nonce")
    singles = list(resp.responses)
    if len(singles) != 1:
        raise Refused("STATUS_FAILED", "%d SingleResps, not exactly one" % len(singles))
    if not certid_matches(singles[0], cert, ca):
        raise Refused("STATUS_FAILED", "the SingleResp's CertID is not the certificate's")
    single = singles[0]
    this_update, next_update = utc(single, "this_update"), utc(single, "next_update")
    if this_update > now + OCSP_SKEW or this_update < now - OCSP_MAX_AGE:
        age = (this_update - now).total_seconds()
        raise Refused("STATUS_FAILED", "the OCSP answer is not fresh (thisUpdate %+d s from now)" % age)
    if next_update is not None and next_update < now:
        raise Refused("STATUS_FAILED", "the OCSP answer is past its nextUpdate")
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.REVOKED:
        reason = single.revocation_reason.value if single.revocation_reason else "no reason"
        raise Refused("REVOKED", "the certificate is revoked (%s)" % reason)
    if status != ocsp.OCSPCertStatus.GOOD:
        raise Refused("STATUS_UNKNOWN", "the responder does not know the certificate")


def check_signature(cert, algorithm, signature, origin, nonce):
    """Rule: the signature is over SHA-256(origin) || SHA-256(nonce) rebuilt from the relying
    party's own origin and nonce (never from the token), by the certificate's key."""
    key = cert.public_key()
    data = signed_data(origin, nonce)
    if algorithm == "RS256":
        pad = padding.PKCS1v15()
    else:  # PS256: RSASSA-PSS, MGF1 with SHA-256, a salt as long as the digest
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    try:
        key.verify(signature, data, pad, hashes.SHA256())
    except InvalidSignature:
        raise Refused(
            "SIGNATURE", "the signature is not of this origin and nonce by the certificate's key"
        ) from None


def validate(text, origin, nonce, trusted, policies, now):
    """Every check in Web eID's order; the certificate of a token that passes them all."""
    check_size(text)
    check_origin(origin)
    check_nonce(nonce)
    cert, algorithm, signature = parse_token(text)
    check_validity(cert, now)
    check_key_usage(cert)
    check_policy(cert, policies)
    ca = find_issuer(cert, trusted, now)
    check_ocsp(cert, ca, now)
    check_signature(cert, algorithm, signature, origin, nonce)
    return cert


# ---- the command line ------------------------------------------------------------------


def load_certs(path):
    """Every certificate of a PEM bundle, or the one of a DER file."""
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN CERTIFICATE-----" not in data:
        return [x509.load_der_x509_certificate(data)]
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S)
    return [x509.load_pem_x509_certificate(b) for b in blocks]


def cmd_validate(a):
    trusted = [c for path in a.trust for c in load_certs(path)]
    with open(a.token, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        print("REFUSED TOKEN_FORMAT the token is not UTF-8")
        return EXIT_REFUSED
    try:
        cert = validate(text, a.origin, a.nonce, trusted, a.policy, clock(a.now))
    except Refused as r:
        print("REFUSED %s %s" % (r.check, r))
        return EXIT_REFUSED
    print("OK %s" % serial_hex(cert))
    return EXIT_OK


def cmd_signed_data(a):
    check_origin(a.origin)
    with open(a.out, "wb") as f:
        f.write(signed_data(a.origin, a.nonce))
    return EXIT_OK


def cmd_token(a):
    cert = load_certs(a.cert)[0]
    with open(a.signature, "rb") as f:
        signature = f.read()
    token = {
        "format": "web-eid:1.0",
        "unverifiedCertificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),
        "algorithm": a.algorithm,
        "signature": base64.b64encode(signature).decode(),
        "appVersion": "webeid_peer 1.0",
    }
    with open(a.out, "w") as f:
        json.dump(token, f)
    return EXIT_OK


def main(argv):
    p = argparse.ArgumentParser(prog="webeid_peer", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate", help="the relying party's side")
    v.add_argument("--token", required=True)
    v.add_argument("--origin", required=True)
    v.add_argument("--nonce", required=True)
    v.add_argument("--trust", action="append", required=True, help="the authentication CA(s), PEM or DER")
    v.add_argument("--policy", action="append", default=[], help="accept only these policy OIDs")
    v.add_argument("--now", help="the validation time, ISO 8601 (default JPKI_NOW, else the clock)")
    v.set_defaults(run=cmd_validate)
    s = sub.add_parser("signed-data", help="the 64 bytes the card signs")
    s.add_argument("--origin", required=True)
    s.add_argument("--nonce", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(run=cmd_signed_data)
    t = sub.add_parser("token", help="the token's JSON around a certificate and a signature")
    t.add_argument("--cert", required=True, help="the certificate, PEM or DER")
    t.add_argument("--signature", required=True, help="the raw signature")
    t.add_argument("--algorithm", default="RS256", choices=["RS256", "PS256"])
    t.add_argument("--out", required=True)
    t.set_defaults(run=cmd_token)
    a = p.parse_args(argv)
    try:
        return a.run(a)
    except (OSError, ValueError, Refused) as e:
        print("webeid_peer: %s" % e, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
