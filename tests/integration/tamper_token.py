#!/usr/bin/env python3
"""tamper_token.py TOKEN.json: beside TOKEN.json, its variants TOKEN-<how>.json, each changed
in one way (the signature, the certificate, the format, the algorithm, a field missing, too
big, too small, not JSON), for the validators' negative tests."""
import base64
import json
import sys

path = sys.argv[1]
t = json.load(open(path))


def put(how, text):
    open(path[: -len(".json")] + "-" + how + ".json", "w").write(text)


def flipped(b64, at):
    raw = bytearray(base64.b64decode(b64))
    raw[at] ^= 1
    return base64.b64encode(bytes(raw)).decode()


put("sig", json.dumps(dict(t, signature=flipped(t["signature"], -1))))
put("cert", json.dumps(dict(t, unverifiedCertificate=flipped(t["unverifiedCertificate"], -10))))
put("format", json.dumps(dict(t, format="web-eid:2.0")))
put("alg", json.dumps(dict(t, algorithm="ES256")))
put("missing", json.dumps({k: v for k, v in t.items() if k != "signature"}))
put("big", json.dumps(dict(t, appVersion="x" * 11000)))
put("small", '{"format":"web-eid:1.0"}')
put("junk", "not json " * 20)
