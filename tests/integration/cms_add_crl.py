# cms_add_crl.py IN.p7s OUT.p7s CRL.der...: the CMS signature IN with the given
# CRLs put into SignedData.crls (RFC 5652 §5.1), as a signer who chooses what to
# embed could: for the verifier's tests of embedded revocation values.
import sys


def tlv(b, i):
    """tag, start of content, end of the element at i"""
    n, j = b[i + 1], i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return b[i], j, j + n


def der(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + content


data = open(sys.argv[1], "rb").read()
_, ci, _ = tlv(data, 0)                 # ContentInfo
_, oid_s, oid_e = tlv(data, ci)         # contentType
_, x0, _ = tlv(data, oid_e)             # [0]
_, sd, sd_e = tlv(data, x0)             # SignedData
elems, i = [], sd
while i < sd_e:
    tag, _, e = tlv(data, i)
    elems.append((tag, data[i:e]))
    i = e
crls = b"".join(sorted(open(f, "rb").read() for f in sys.argv[3:]))
elems = [x for x in elems if x[0] != 0xA1]
elems.insert(len(elems) - 1, (0xA1, der(0xA1, crls)))
body = der(0x30, b"".join(e for _, e in elems))
out = der(0x30, data[ci:oid_e] + der(0xA0, body))
open(sys.argv[2], "wb").write(out)
