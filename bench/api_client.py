#!/usr/bin/env python3
"""api_client: the timed part of bench/api.

usage: api_client.py PORT CAFILE PASSWORD_FILE RESIDENTS_FILE
Logs clerk1 in over one kept-alive HTTPS connection and prints "key value" lines:
  reads_per_s      GET /api/v1/session (the HTTPS and session floor)
  revokes_per_s    POST /api/v1/procedures/revoke, one per resident (a card-less procedure:
                   the revocation, its case and audit entries, a checkpoint and the proof)
  requests_per_s   POST /api/v1/approvals (an audit append with its checkpoint and proof)
"""
import http.client
import json
import ssl
import sys
import time


def main(argv):
    port, cafile, pw_file, res_file = int(argv[1]), argv[2], argv[3], argv[4]
    residents = [int(x) for x in open(res_file).read().split()]
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    origin = "https://localhost:%d" % port
    headers = {"Host": "localhost:%d" % port, "Origin": origin, "Content-Type": "application/json"}

    def call(method, path, body=None, want=200):
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status != want:
            raise SystemExit("%s %s: %d %s" % (method, path, r.status, data[:200]))
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("jpki_counter="):
                headers["Cookie"] = v.split(";", 1)[0]
        return json.loads(data)

    s = call("POST", "/api/v1/session", {"operator": "clerk1", "password": open(pw_file).read().strip(),
                                         "counter": "city-hall"}, want=201)
    headers["X-CSRF-Token"] = s["csrf"]
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        call("GET", "/api/v1/session")
    print("reads_per_s %.0f" % (n / (time.perf_counter() - t0)))
    t0 = time.perf_counter()
    for rid in residents:
        r = call("POST", "/api/v1/procedures/revoke",
                 {"resident": rid, "documents": ["licence:123456789012"], "kinds": ["sign"]})
        assert r["audit"]["inclusionProof"] is not None
    print("revokes_per_s %.0f" % (len(residents) / (time.perf_counter() - t0)))
    print("audit_size %d" % r["audit"]["treeSize"])
    print("proof_len %d" % len(r["audit"]["inclusionProof"]))
    t0 = time.perf_counter()
    for i in range(len(residents)):
        call("POST", "/api/v1/approvals", {"kind": "correction", "what": "record %d" % i}, want=201)
    print("requests_per_s %.0f" % (len(residents) / (time.perf_counter() - t0)))


if __name__ == "__main__":
    main(sys.argv)
