#!/usr/bin/python3
"""ocsp_standin: an OCSP responder that lies, for t_login_peer.sh.

It listens on 127.0.0.1:PORT in place of `jpki serve` and answers every POST
in one way that a relying party must refuse (or, for `ca good`, accept: the
control that shows the stand-in itself is understood):

  PORT replay FILE                       FILE, whatever was asked (a recorded answer)
  PORT ca-name CERT CA                   "good", signed with a key of its own in CA's name
  PORT look-alike CERT CA                "good" by a responder certificate with
                                         id-kp-OCSPSigning that names CA as its
                                         issuer but signs itself
  PORT given CERT CA PEM KEY             "good" by that certificate and key (one CA did
                                         issue, but not for OCSP)
  PORT ca CERT CA CAKEY VARIANT          signed by the CA itself (CAKEY, PEM, under
                                         JPKI_CA_PASSPHRASE):
        good         a true answer: good, fresh, our nonce
        other OTHER  a true answer, but about certificate OTHER (PEM)
        unknown      status unknown
        future       thisUpdate 20 minutes ahead of the clock
        expired      nextUpdate 20 minutes past

Every answer but `replay` carries the request's nonce.  The clock is JPKI_NOW.
CERT is DER, CA PEM.
"""

import datetime
import http.server
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MINUTE = datetime.timedelta(minutes=1)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def clock():
    """JPKI_NOW as a naive UTC datetime (what cryptography 38's builders take)."""
    now = datetime.datetime.fromisoformat(os.environ["JPKI_NOW"])
    return now.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def self_made(ca, now, name, eku):
    """A key and a certificate for it, naming CA as issuer but signed by that key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - 60 * 24 * MINUTE)
        .not_valid_after(now + 60 * 24 * MINUTE)
    )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
    return key, b.sign(key, hashes.SHA256())


class Liar:
    """What to answer: the signer, its certificate, the responder id and the SingleResp."""

    def __init__(self, mode, args):
        self.mode, now = mode, clock()
        if mode == "replay":
            self.body = read(args[0])
            return
        self.cert = x509.load_der_x509_certificate(read(args[0]))
        self.ca = x509.load_pem_x509_certificate(read(args[1]))
        self.subject, self.status = self.cert, ocsp.OCSPCertStatus.GOOD
        self.this_update, self.next_update = now, now + 60 * MINUTE
        self.by = ocsp.OCSPResponderEncoding.HASH
        if mode == "ca-name":
            self.key, self.signer = self_made(self.ca, now, self.ca.subject, eku=False)
            self.by = ocsp.OCSPResponderEncoding.NAME
        elif mode == "look-alike":
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OCSP responder")])
            self.key, self.signer = self_made(self.ca, now, name, eku=True)
        elif mode == "given":
            self.signer = x509.load_pem_x509_certificate(read(args[2]))
            self.key = serialization.load_pem_private_key(read(args[3]), None)
        elif mode == "ca":
            password = os.environ["JPKI_CA_PASSPHRASE"].encode()
            self.key = serialization.load_pem_private_key(read(args[2]), password)
            self.signer, self.by = self.ca, ocsp.OCSPResponderEncoding.NAME
            self.variant(args[3], args[4:], now)
        else:
            raise SystemExit("ocsp_standin: no mode " + mode)

    def variant(self, name, rest, now):
        if name == "other":
            self.subject = x509.load_pem_x509_certificate(read(rest[0]))
        elif name == "unknown":
            self.status = ocsp.OCSPCertStatus.UNKNOWN
        elif name == "future":
            self.this_update = now + 20 * MINUTE
            self.next_update = self.this_update + 60 * MINUTE
        elif name == "expired":
            self.this_update, self.next_update = now - MINUTE, now - 20 * MINUTE
        elif name != "good":
            raise SystemExit("ocsp_standin: no variant " + name)

    def answer(self, request):
        if self.mode == "replay":
            return self.body
        try:
            nonce = ocsp.load_der_ocsp_request(request).extensions.get_extension_for_class(x509.OCSPNonce)
        except (ValueError, x509.ExtensionNotFound):
            nonce = None
        b = ocsp.OCSPResponseBuilder().add_response(
            self.subject, self.ca, hashes.SHA1(), self.status, self.this_update, self.next_update, None, None
        )
        b = b.responder_id(self.by, self.signer).certificates([self.signer])
        if nonce is not None:
            b = b.add_extension(nonce.value, critical=False)
        return b.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def main(argv):
    liar = Liar(argv[1], argv[2:])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = liar.answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.HTTPServer(("127.0.0.1", int(argv[0])), Handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
