#!/usr/bin/env python3
"""api_peer: an independent client of jpki's counter API (docs/api.md).

Written from the OpenAPI document the server serves, RFC 9162 and C2SP
(signed notes, checkpoints), with the Python standard library, jsonschema
and cryptography only.  Every answer is checked against the document (its
status must be documented, its body must match the schema); every write's
audit entry is checked with the verifier key alone (the checkpoint's
Ed25519 signature, the leaf hash, the inclusion proof).  Prints one line
per check, "PASS what" or "FAIL what"; t_api.sh counts them.

usage: api_peer.py PORT CAFILE ORIGIN VKEY_FILE SETUP.json OUT.json
  SETUP.json: {"officer": id, "officer_password_file": path, "residents": {...}}
  OUT.json:   what the shell part checks with openssl ocsp afterwards
"""
import base64
import hashlib
import http.client
import json
import ssl
import sys

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FAILED = 0
LAST = None  # the last answer, shown when a check fails


def check(ok, what):
    global FAILED
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILED += 1
        print("  .. the last answer: %s" % (LAST,))
    return ok


# ---- renewal notices (rule N2) ----

def notices(clerk, auditor, yamada, audited):
    """The month two before yamada's certificates expire sends his notice, once."""
    import datetime
    import subprocess
    jst = datetime.timezone(datetime.timedelta(hours=9))
    end = datetime.datetime.fromtimestamp(yamada["certificates"][0]["notAfter"], jst)
    y, m = (end.year, end.month - 2) if end.month > 2 else (end.year - 1, end.month + 10)
    month = "%04d-%02d" % (y, m)
    st, obj = auditor.call("POST", "/api/v1/notices", body={"month": month})
    check(st == 403, "an auditor may not send notices")
    for bad in ("2031-13", "2031-9", "31-09-01", "2031/09"):
        st, obj = clerk.call("POST", "/api/v1/notices", body={"month": bad})
        check(st == 400 and obj.get("error"), "month %r: 400 with a clear error" % bad)
    st, obj = clerk.call("POST", "/api/v1/notices", body={"month": month})
    mine = [n for n in obj.get("notices", []) if n["resident"] == yamada["id"]]
    check(st == 200 and obj["sent"] == len(obj["notices"]) and len(mine) == 1,
          "the notices of %s: one for yamada" % month)
    check(mine and sorted(c["serial"] for c in mine[0]["certificates"]) ==
          sorted(c["serial"] for c in yamada["certificates"]) and
          mine[0]["formValidUntil"] == min(c["notAfter"] for c in yamada["certificates"]),
          "it names both certificates; its form is valid until their expiry (N4)")
    e = audited(obj, "the notices")
    check(e and e["action"] == "notice.sent" and e["rule"] == "N2", "the run is audited (N2)")
    st, obj = clerk.call("POST", "/api/v1/notices", body={"month": month})
    check(st == 200 and obj["sent"] == 0 and obj["notices"] == [] and "audit" not in obj,
          "the month again sends nothing twice")
    st, obj = clerk.call("GET", "/api/v1/notices/{id}", ident=yamada["id"], query="?month=" + month)
    pdf = base64.b64decode(obj.get("pdf", "")) if st == 200 else b""
    check(pdf.startswith(b"%PDF-"), "the notice is a PDF, kept for printing")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    check(yamada["family"] in text and "有効期限" in text, "pdftotext reads his name and the expiry in it")
    st, obj = clerk.call("GET", "/api/v1/notices/{id}", ident=yamada["id"], query="?month=2031-1")
    check(st == 400, "a notice of a malformed month: 400")
    st, obj = clerk.call("GET", "/api/v1/notices/{id}", ident=yamada["id"] + 999, query="?month=" + month)
    check(st == 404, "no notice for a resident who got none: 404")
    st, obj = clerk.call("GET", "/api/v1/notices/{id}", ident=yamada["id"],
                         query="?month=..%2F..%2Fx")
    check(st == 400, "a month that is a path: 400")


# ---- RFC 9162 and C2SP, from their texts ----

def h_node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def h_leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def verify_inclusion(index, size, leaf, proof, root):  # RFC 9162 §2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h_node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = h_node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, root1, root2, proof):  # RFC 9162 §2.1.4.2
    if m == n:
        return not proof and root1 == root2
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:
        proof = [root1] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = h_node(c, fr), h_node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = h_node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


class Verifier:
    def __init__(self, vkey):
        self.name, self.keyid, key = vkey.strip().split("+", 2)
        raw = base64.b64decode(key)
        assert raw[0] == 1 and len(raw) == 33
        assert hashlib.sha256(self.name.encode() + b"\n" + raw).digest()[:4].hex() == self.keyid
        self.key = Ed25519PublicKey.from_public_bytes(raw[1:])

    def open(self, note):
        """The (size, root) of a checkpoint whose signature verifies, else None."""
        text, sigs = note.encode().split(b"\n\n", 1)
        text += b"\n"
        lines = text.decode().split("\n")
        for line in sigs.decode().splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == self.name:
                s = base64.b64decode(parts[2])
                if s[:4].hex() != self.keyid:
                    continue
                try:
                    self.key.verify(s[4:], text)
                except Exception:
                    return None
                return int(lines[1]), base64.b64decode(lines[2])
        return None


# ---- the client ----

class Api:
    def __init__(self, port, cafile, origin, spec=None):
        self.port, self.origin = port, origin
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.cookie = self.csrf = None
        self.spec = spec
        self.seen = set()

    def call(self, method, template, ident=None, body=None, raw=None, ctype="application/json",
             query="", csrf=True, origin=True, extra=None, cookie=True):
        path = template.replace("{id}", str(ident)) if ident is not None else template
        headers = {"Host": "localhost:%d" % self.port}
        if origin:
            headers["Origin"] = self.origin if origin is True else origin
        if cookie and self.cookie:
            headers["Cookie"] = "__Host-jpki_counter=" + self.cookie
        if csrf and self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers["Content-Type"] = ctype
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        conn.request(method, path + query, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read()
        conn.close()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("__Host-jpki_counter="):
                value = v.split(";", 1)[0].split("=", 1)[1]
                self.cookie = value or None
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        global LAST
        LAST = (r.status, text[:300])
        if self.spec is not None:
            self.conforms(method, template, r.status, obj, dict(r.getheaders()))
        return r.status, obj

    def conforms(self, method, template, status, obj, headers):
        op = self.spec["paths"].get(template, {}).get(method.lower())
        if op is None:
            return  # an undocumented route: the caller expects 404/405
        self.seen.add((template, method))
        resp = op["responses"].get(str(status))
        if not check(resp is not None, "%s %s: status %d is documented" % (method, template, status)):
            return
        schema = resp["content"]["application/json"]["schema"]
        resolver = jsonschema.RefResolver.from_schema(self.spec)
        try:
            jsonschema.Draft202012Validator(schema, resolver=resolver).validate(obj)
            ok = True
        except jsonschema.ValidationError as e:
            ok = False
            print("  .. %s" % e.message[:200])
        check(ok, "%s %s %d: the body matches its schema" % (method, template, status))
        check(headers.get("Cache-Control") == "no-store" and
              headers.get("X-Content-Type-Options") == "nosniff" and
              "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""),
              "%s %s: no-store, nosniff, frame-ancestors 'none'" % (method, template))

    def login(self, who, password, counter="city-hall"):
        st, obj = self.call("POST", "/api/v1/session",
                            body={"operator": who, "password": password, "counter": counter})
        if st == 201:
            self.csrf = obj["csrf"]
        return st, obj


def main(argv):
    port, cafile, origin, vkey_file, setup_file, out_file = argv[1:7]
    setup = json.load(open(setup_file))
    officer_pw = open(setup["officer_password_file"]).read().strip()
    verifier = Verifier(open(vkey_file).read())
    anon = Api(int(port), cafile, origin)
    st, spec = anon.call("GET", "/api/v1/openapi.json")
    check(st == 200 and spec.get("openapi") == "3.1.0", "the OpenAPI 3.1 document is served")
    try:
        jsonschema.Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
        valid = True
    except jsonschema.SchemaError as e:
        valid = False
        print("  .. %s" % e.message[:200])
    check(valid, "its schemas are valid JSON Schema 2020-12")
    audits = []  # (seq, size, root) of every verified write

    def new(): return Api(int(port), cafile, origin, spec)

    def audited(obj, what):
        a = obj.get("audit") if isinstance(obj, dict) else None
        if not check(a is not None, what + ": the answer carries its audit entry"):
            return None
        opened = verifier.open(a["checkpoint"])
        if not check(opened is not None, what + ": its checkpoint verifies with the key alone"):
            return None
        size, root = opened
        leaf = h_leaf(a["entry"].encode())
        proof = [base64.b64decode(p) for p in a["inclusionProof"]]
        check(size == a["treeSize"] and json.loads(a["entry"])["seq"] == a["seq"] and
              verify_inclusion(a["leafIndex"], size, leaf, proof, root),
              what + ": the entry is in the checkpoint's tree (RFC 9162 inclusion)")
        audits.append((a["seq"], size, root))
        return json.loads(a["entry"])

    # ---- nobody logged in ----
    nobody = new()
    for t, ops in spec["paths"].items():
        for m, op in ops.items():
            if op.get("security") == []:
                continue
            st, obj = nobody.call(m.upper(), t, ident=1, body={} if m == "post" else None)
            check(st == 401, "%s %s without a session: 401" % (m.upper(), t))
    st, _ = nobody.call("GET", "/api/v1/nothing")
    check(st == 404, "an unknown route: 404")
    st, _ = nobody.call("PUT", "/api/v1/session", body={})
    check(st == 405, "a method the route does not have: 405")

    # ---- log-ins and operators ----
    off = new()
    st, obj = off.login(setup["officer"], "wrong-password-123")
    check(st == 401, "a wrong password: 401")
    st2, obj2 = new().login("nobody-here", "wrong-password-123")
    check(st2 == 401 and obj2.get("error") == obj.get("error"),
          "an unknown operator gets the same answer as a wrong password")
    check("audit" not in obj and "audit" not in obj2,
          "a refused log-in shows the anonymous caller no audit entry")
    st, obj = off.login(setup["officer"], officer_pw, counter="nowhere")
    check(st == 400, "an unknown counter: 400")
    st, obj = off.login(setup["officer"], officer_pw)
    check(st == 201 and obj["role"] == "ca-officer", "the CA officer logs in")
    pw = {"clerk1": "clerk-one-password", "clerk2": "clerk-two-password",
          "sup1": "supervisor-password", "aud1": "auditor-password-1",
          "officer2": "officer-two-password"}
    roles = {"clerk1": "clerk", "clerk2": "clerk", "sup1": "supervisor", "aud1": "auditor",
             "officer2": "ca-officer"}
    for who, role in roles.items():
        st, obj = off.call("POST", "/api/v1/operators",
                           body={"id": who, "name": who, "role": role, "password": pw[who]})
        check(st == 201 and obj["role"] == role, "the officer adds %s (%s)" % (who, role))
        audited(obj, "adding " + who)
    st, obj = off.call("POST", "/api/v1/operators",
                       body={"id": "clerk1", "name": "x", "role": "clerk", "password": pw["clerk1"]})
    check(st == 409, "an id taken: 409")
    st, obj = off.call("POST", "/api/v1/operators",
                       body={"id": "x1", "name": "x", "role": "boss", "password": pw["clerk1"]})
    check(st == 400, "an unknown role: 400")
    st, obj = off.call("GET", "/api/v1/operators")
    check(st == 200 and {o["id"] for o in obj["operators"]} >= set(roles),
          "the officer lists the operators")
    s = {}
    for who in roles:
        s[who] = new()
        st, obj = s[who].login(who, pw[who])
        check(st == 201 and obj["role"] == roles[who], "%s logs in" % who)
    s["officer1"] = off

    # ---- every route by every role: only the allowed ones get past the role check ----
    allowed = {  # written from docs/operators.md's table, not from the code
        "clerk": {"search", "procedure", "request"},
        "supervisor": {"search", "procedure", "request", "approve", "audit"},
        "ca-officer": {"ca-operation", "operators", "audit"},
        "auditor": {"audit"},
    }
    probe_bodies = {"/api/v1/residents/search": {"purpose": "inquiry", "id": 999999},
                    "/api/v1/procedures/loss": {"resident": 999999},
                    "/api/v1/procedures/revoke": {"resident": 999999, "documents": []},
                    "/api/v1/procedures/lift-hold": {"resident": 999999, "documents": []},
                    "/api/v1/approvals": {"kind": "correction", "what": "probe"},
                    "/api/v1/approvals/{id}/edit": {"what": "probe"},
                    "/api/v1/operators": {"id": "clerk1", "name": "x", "role": "clerk",
                                          "password": "probe-password-1"},
                    "/api/v1/session/unlock": {"password": "probe-password-1"}}
    probe_query = {"/api/v1/cases": "?resident=999999", "/api/v1/audit/proof": "?seq=1",
                   "/api/v1/audit/consistency": "?from=1"}
    for who, role in list(roles.items()) + [("officer1", "ca-officer")]:
        if who == "clerk2":
            continue
        c = s[who]
        for t, ops in spec["paths"].items():
            for m, op in ops.items():
                rights = set(op.get("x-jpki-rights", []))
                if op.get("security") == [] or (t, m) in (("/api/v1/session", "delete"),):
                    continue
                if t == "/api/v1/operators/{id}/disable":
                    ident = "nobody"
                else:
                    ident = 999999
                st, obj = c.call(m.upper(), t, ident=ident,
                                 body=probe_bodies.get(t, {}) if m == "post" else None,
                                 query=probe_query.get(t, ""))
                may = not rights or bool(rights & allowed[role])
                denied = st == 403 and obj and obj.get("error", "").startswith("a %s may not" % role)
                check(denied != may, "%s %s as %s: %s" % (m.upper(), t, role,
                                                          "allowed" if may else "403"))

    # ---- procedures through the API ----
    R = setup["residents"]
    c1 = s["clerk1"]
    st, obj = c1.call("POST", "/api/v1/residents/search", body={"family": "山田"})
    check(st == 400, "a search without a purpose: 400 (rule S1)")
    st, obj = c1.call("POST", "/api/v1/residents/search",
                      body={"purpose": "application", "family": "山田", "given": "太郎"})
    check(st == 200 and [r["id"] for r in obj["residents"]] == [R["yamada"]],
          "a search by name finds the one resident")
    check(st == 200 and len(obj["residents"][0]["certificates"]) == 2,
          "with both certificates")
    e = audited(obj, "a search")
    check(e and e["action"] == "resident.search" and "purpose=application" in e["detail"] and
          ("shown=%d" % R["yamada"]) in e["detail"], "the search's entry says why and what it showed")
    notices(c1, s["aud1"], obj["residents"][0], audited)
    st, obj = c1.call("POST", "/api/v1/procedures/loss", body={"resident": R["yamada"]})
    check(st == 200 and len(obj["serials"]) == 2, "a loss puts both certificates on hold")
    e = audited(obj, "a loss")
    out = {"held": obj.get("serials", [])}
    st, obj = c1.call("POST", "/api/v1/procedures/revoke",
                      body={"resident": R["sato"], "documents": ["licence:123456789012"],
                            "kinds": ["sign"]})
    check(st == 200 and len(obj["serials"]) == 1, "a revocation at the holder's request")
    audited(obj, "a revocation")
    out["revoked"] = obj.get("serials", [])
    st, obj = c1.call("POST", "/api/v1/procedures/revoke",
                      body={"resident": R["suzuki"], "documents": []})
    check(st == 422 and "rule" in obj.get("error", ""), "no identity document: refused by a rule (422)")
    e = audited(obj, "a refusal")
    check(e and e["decision"] == "refused", "the refusal is an entry")
    st, obj = c1.call("GET", "/api/v1/cases", query="?resident=%d" % R["yamada"])
    check(st == 200 and obj["cases"] and obj["cases"][0]["procedure"] == "hold",
          "the resident's cases list the loss")
    if st == 200 and obj["cases"]:
        st, obj = c1.call("GET", "/api/v1/cases/{id}", ident=obj["cases"][0]["id"])
        check(st == 200 and obj["state"] == "done", "the case is done")
    st, obj = c1.call("POST", "/api/v1/procedures/lift-hold",
                      body={"resident": R["yamada"], "documents": ["passport:TK1234567"]})
    check(st == 200 and len(obj["serials"]) == 2, "the hold is lifted at the counter (revoked for good)")
    audited(obj, "a hold lifted")
    out["lifted"] = obj.get("serials", [])

    # ---- four eyes ----
    st, obj = c1.call("POST", "/api/v1/approvals", body={"kind": "fee-void", "what": "receipt 12"})
    check(st == 201 and obj["state"] == "open" and obj["needed"] == 1, "a clerk asks for a fee void")
    audited(obj, "a request")
    rid = obj.get("id")
    st, obj = c1.call("POST", "/api/v1/approvals/{id}/approve", ident=rid, body={})
    check(st == 403 and obj.get("error", "").startswith("a clerk may not"),
          "a clerk does not approve (the role)")
    st, obj = s["sup1"].call("POST", "/api/v1/approvals", body={"kind": "correction", "what": "r 1"})
    st, obj = s["sup1"].call("POST", "/api/v1/approvals/{id}/approve", ident=obj.get("id"), body={})
    check(st == 403 and "requester" in obj.get("error", ""),
          "a supervisor cannot approve their own request")
    audited(obj, "a refused approval")
    st, obj = s["sup1"].call("GET", "/api/v1/approvals", query="?open=true")
    check(st == 200 and rid in [a["id"] for a in obj["approvals"]], "the supervisor's queue shows it")
    st, obj = s["sup1"].call("POST", "/api/v1/approvals/{id}/approve", ident=rid)
    check(st == 200 and obj["state"] == "approved", "the supervisor approves")
    audited(obj, "an approval")
    st, obj = c1.call("POST", "/api/v1/approvals/{id}/edit", ident=rid, body={"what": "receipt 13"})
    check(st == 409, "an approved request is not edited")
    st, obj = s["officer2"].call("POST", "/api/v1/approvals",
                                 body={"kind": "ca-operation", "what": "roll over sign"})
    rid2 = obj.get("id")
    st, obj = off.call("POST", "/api/v1/approvals/{id}/approve", ident=rid2)
    check(st == 200 and obj["approvals"] == 1 and obj["state"] == "open",
          "a CA operation: one officer of two")
    st, obj = s["officer2"].call("POST", "/api/v1/approvals/{id}/edit", ident=rid2,
                                 body={"what": "roll over sign, generation 2"})
    check(st == 200 and obj["approvals"] == 0 and obj["version"] == 2, "an edit cancels the approvals")
    st, obj = off.call("POST", "/api/v1/approvals", body={"kind": "ca-operation", "what": "x"})
    rid3 = obj.get("id")
    st, obj = s["officer2"].call("POST", "/api/v1/approvals/{id}/approve", ident=rid3)
    check(st == 403 and "added" in obj.get("error", ""),
          "an officer the requester added does not approve their request")
    # a fee void on the strength of an approval, used once (rule R1)
    rec = setup["receipt"]
    st, obj = c1.call("POST", "/api/v1/approvals", body={"kind": "fee-void",
                                                         "what": "receipt %d: paid twice" % rec})
    rid4 = obj.get("id")
    st, obj = c1.call("POST", "/api/v1/procedures/fee-void", body={"receipt": rec, "approval": rid4})
    check(st == 422 and "not approved" in obj.get("error", ""), "a fee void before the approval: refused (R1)")
    audited(obj, "a refused fee void")
    st, obj = s["sup1"].call("POST", "/api/v1/approvals/{id}/approve", ident=rid4)
    st, obj = c1.call("POST", "/api/v1/procedures/fee-void", body={"receipt": rec, "approval": rid})
    check(st == 422 and "something else" in obj.get("error", ""), "an approval about another receipt: refused")
    st, obj = s["clerk2"].call("POST", "/api/v1/procedures/fee-void", body={"receipt": rec, "approval": rid4})
    check(st == 422 and "another" in obj.get("error", ""), "another clerk's approval: refused")
    st, obj = c1.call("POST", "/api/v1/procedures/fee-void", body={"receipt": 999999, "approval": rid4})
    check(st == 404, "an unknown receipt: 404")
    st, obj = c1.call("POST", "/api/v1/procedures/fee-void", body={"receipt": rec, "approval": rid4})
    check(st == 200 and obj["receipt"] == rec, "the fee is voided with the approval")
    e = audited(obj, "a fee void")
    check(e and "approved by sup1" in e["detail"], "the entry names the approver")
    st, obj = c1.call("GET", "/api/v1/approvals/{id}", ident=rid4)
    check(st == 200 and obj["state"] == "used", "the approval is used")
    st, obj = c1.call("POST", "/api/v1/procedures/fee-void", body={"receipt": rec, "approval": rid4})
    check(st == 422, "a second void: refused")
    # a record corrected with a supervisor's approval (rule A1): the address, so C5 revokes sign
    sz = R["suzuki"]
    st, obj = c1.call("POST", "/api/v1/approvals",
                      body={"kind": "correction", "what": "resident %d: the address misspelt" % sz})
    rid5 = obj.get("id")
    fix = {"approval": rid5, "address": "東京都立川市錦町1-1"}
    st, obj = c1.call("POST", "/api/v1/residents/{id}/correct", ident=sz, body=fix)
    check(st == 422 and "rule A1" in obj.get("error", ""), "a correction before its approval: refused (A1)")
    audited(obj, "a refused correction")
    st, obj = s["sup1"].call("POST", "/api/v1/approvals/{id}/approve", ident=rid5)
    st, obj = c1.call("POST", "/api/v1/residents/{id}/correct", ident=R["sato"], body=fix)
    check(st == 422 and "something else" in obj.get("error", ""), "the approval does not cover another record")
    st, obj = c1.call("POST", "/api/v1/residents/{id}/correct", ident=sz, body=fix)
    check(st == 200 and obj["resident"]["address"] == fix["address"] and len(obj["revoked"]) == 1,
          "the record corrected, and its signature certificate revoked (C5)")
    e = audited(obj, "a correction")
    check(e and e["action"] == "resident.correct" and "approved by=sup1" in e["detail"]
          and "fields=address" in e["detail"], "the entry names the approver and the field")
    out["corrected"] = obj.get("revoked", [])
    st, obj = c1.call("POST", "/api/v1/residents/{id}/correct", ident=sz, body=fix)
    check(st == 422 and "used already" in obj.get("error", ""), "the approval is used once")
    # a list revoked at once with a supervisor's approval of that list (rule M1)
    st, obj = c1.call("POST", "/api/v1/residents/search", body={"purpose": "loss", "family": "高橋"})
    batch = [c["serial"] for r in obj.get("residents", []) for c in r["certificates"] if c["status"] == "valid"]
    check(len(batch) == 2, "the batch: two valid certificates")
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation/digest", body={"serials": batch})
    subject = obj.get("subject", "")
    st2, obj2 = c1.call("POST", "/api/v1/procedures/mass-revocation/digest", body={"serials": batch[::-1]})
    check(st == 200 and subject.startswith("list ") and obj2.get("subject") == subject,
          "the list's subject, whatever its order")
    st, obj = c1.call("POST", "/api/v1/approvals", body={"kind": "mass-revocation", "what": subject + ": a lost batch"})
    rid6 = obj.get("id")
    mass = {"serials": batch, "reason": "keyCompromise", "approval": rid6}
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation", body=mass)
    check(st == 422 and "rule M1" in obj.get("error", ""), "a mass revocation before its approval: refused (M1)")
    audited(obj, "a refused mass revocation")
    st, obj = s["sup1"].call("POST", "/api/v1/approvals/{id}/approve", ident=rid6)
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation", body=dict(mass, serials=batch[:1]))
    check(st == 422 and "something else" in obj.get("error", ""), "the approval covers that list only")
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation", body=dict(mass, reason="certificateHold"))
    check(st == 400, "a hold is not a mass revocation's reason")
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation", body=mass)
    check(st == 200 and obj["revoked"] == 2, "the list revoked at once with the approval")
    e = audited(obj, "a mass revocation")
    check(e and e["action"] == "mass-revocation" and "approved by=sup1" in e["detail"], "the entry names the approver")
    st, obj = c1.call("POST", "/api/v1/procedures/mass-revocation", body=mass)
    check(st == 422 and "used already" in obj.get("error", ""), "the approval is used once")
    st, obj = c1.call("GET", "/api/v1/approvals/{id}", ident="abc")
    check(st == 404, "a request id that is not a number: 404")

    # ---- CSRF and origins ----
    st, obj = c1.call("POST", "/api/v1/procedures/loss", body={"resident": R["suzuki"]}, csrf=False)
    check(st == 403 and "CSRF" in obj.get("error", ""), "a write without the CSRF token: 403")
    st, obj = c1.call("POST", "/api/v1/procedures/loss", body={"resident": R["suzuki"]},
                      csrf="A" * 43)
    check(st == 403, "a wrong CSRF token: 403")
    st, obj = c1.call("POST", "/api/v1/procedures/loss", body={"resident": R["suzuki"]},
                      origin="https://evil.example")
    check(st == 403, "a request from another origin: 403")
    st, obj = new().call("POST", "/api/v1/session", origin="https://localhost.evil.example",
                         body={"operator": "clerk1", "password": pw["clerk1"], "counter": "city-hall"})
    check(st == 403, "a log-in from another origin: 403")

    # ---- bad input changes nothing ----
    def size_now():
        st, obj = s["aud1"].call("GET", "/api/v1/audit/checkpoint")
        return obj["treeSize"] if st == 200 else -1
    before = size_now()
    writes = [(c1, "/api/v1/residents/search", {"purpose": "inquiry", "id": R["suzuki"]}),
              (c1, "/api/v1/procedures/loss", {"resident": R["suzuki"]}),
              (c1, "/api/v1/procedures/revoke", {"resident": R["suzuki"], "documents": ["licence:1"]}),
              (c1, "/api/v1/procedures/lift-hold", {"resident": R["suzuki"], "documents": ["licence:1"]}),
              (c1, "/api/v1/approvals", {"kind": "correction", "what": "x"}),
              (off, "/api/v1/operators", {"id": "z1", "name": "z", "role": "clerk",
                                          "password": "zzzzzzzzzzzzzz"})]
    for c, t, good in writes:
        bad = [("malformed JSON", b'{"resident": 1', "application/json", 400),
               ("an array", b"[1]", "application/json", 400),
               ("an unknown field", json.dumps(dict(good, extra=1)).encode(), "application/json", 400),
               ("a long unknown field of Japanese text",
                json.dumps(dict(good, **{"あ" * 14: 1}), ensure_ascii=False).encode(),
                "application/json", 400),
               ("duplicate keys", (json.dumps(good)[:-1] + ', "%s": 1}' % next(iter(good))).encode(),
                "application/json", 400),
               ("an oversized body", json.dumps(dict(good, pad="x" * 17000)).encode(),
                "application/json", 413),
               ("another content type", json.dumps(good).encode(), "text/plain", 415)]
        for k, v in good.items():
            wrong = "a string" if not isinstance(v, str) else 12345
            bad.append(("%s of a wrong type" % k, json.dumps(dict(good, **{k: wrong})).encode(),
                        "application/json", 400))
        bad.append(("a control character", json.dumps(dict(
            good, **{k: "a\u0001b" for k, v in good.items() if isinstance(v, str)}) if any(
                isinstance(v, str) for v in good.values()) else dict(good, extra="\u0001")).encode(),
            "application/json", 400))
        for what, raw, ctype, want in bad:
            st, obj = c.call("POST", t, raw=raw, ctype=ctype)
            check(st == want and isinstance(obj, dict) and obj.get("error"),
                  "%s %s: %d with a clear error" % (t, what, want))
    for v in (0, -1, 1.5, 2 ** 60, True, None):
        st, obj = c1.call("POST", "/api/v1/procedures/loss", body={"resident": v})
        check(st == 400, "resident %r: 400" % (v,))
    check(size_now() == before, "bad input made no audit entry (the log did not grow)")

    # ---- the audit log read by the auditor ----
    a = s["aud1"]
    st, obj = a.call("GET", "/api/v1/audit/entries", query="?from=1&count=5")
    check(st == 200 and [e["seq"] for e in obj["entries"]] == [1, 2, 3, 4, 5], "entries 1 to 5")
    st, obj = a.call("GET", "/api/v1/audit/entries", query="?count=1000")
    check(st == 400, "count over 100: 400")
    st, cp = a.call("GET", "/api/v1/audit/checkpoint")
    opened = verifier.open(cp["checkpoint"]) if st == 200 else None
    check(opened is not None and cp["vkey"].strip() == open(vkey_file).read().strip(),
          "a signed checkpoint and the same verifier key")
    if audits and opened:
        seq, m, root1 = audits[0]
        n, root2 = opened
        st, obj = a.call("GET", "/api/v1/audit/consistency", query="?from=%d&size=%d" % (m, n))
        proof = [base64.b64decode(p) for p in obj.get("consistencyProof", [])]
        check(st == 200 and verify_consistency(m, n, root1, root2, proof),
              "the first write's tree is a prefix of today's (RFC 9162 consistency)")
        st, obj = a.call("GET", "/api/v1/audit/proof", query="?seq=%d&size=%d" % (seq, n))
        proof = [base64.b64decode(p) for p in obj.get("inclusionProof", [])]
        check(st == 200 and verify_inclusion(seq - 1, n, h_leaf(obj["entry"].encode()), proof, root2),
              "an old entry's inclusion proof in today's tree")
    st, obj = a.call("GET", "/api/v1/audit/proof", query="?seq=999999")
    check(st == 400, "a proof of an entry beyond the log: 400")

    # ---- disabling, logging out, a session that is gone ----
    st, obj = off.call("POST", "/api/v1/operators/{id}/disable", ident="clerk2")
    check(st == 200 and obj["disabled"], "the officer disables clerk2")
    st, obj = s["clerk2"].call("GET", "/api/v1/session")
    check(st == 401, "clerk2's session ended with the account")
    old = c1.cookie
    st, obj = c1.call("DELETE", "/api/v1/session")
    check(st == 200 and c1.cookie is None, "clerk1 logs out; the cookie is cleared")
    c1.cookie = old
    st, obj = c1.call("GET", "/api/v1/session")
    check(st == 401, "the old session cookie is refused after the log-out")

    # ---- the document and the server agree ----
    documented = {(t, m.upper()) for t, ops in spec["paths"].items() for m in ops}
    seen = set()
    for c in list(s.values()) + [nobody, anon]:
        seen |= c.seen
    missing = documented - seen - {("/api/v1/openapi.json", "GET")}
    check(not missing, "every documented operation was called and answered as documented%s" % (
        "" if not missing else ": missing " + repr(sorted(missing))))
    json.dump(out, open(out_file, "w"))
    print("peer %s" % ("failed" if FAILED else "ok"))
    return 1 if FAILED else 0


def hours(argv):
    """A Saturday (rule W1): a revocation refused, then run on an approved hours-override."""
    port, cafile, origin, vkey_file, setup_file = argv[2:7]
    setup = json.load(open(setup_file))
    st, spec = Api(int(port), cafile, origin).call("GET", "/api/v1/openapi.json")
    clerk, sup = Api(int(port), cafile, origin, spec), Api(int(port), cafile, origin, spec)
    check(clerk.login("clerk1", "clerk-one-password")[0] == 201, "clerk1 logs in on a Saturday")
    check(sup.login("sup1", "supervisor-password")[0] == 201, "sup1 logs in")
    rid = setup["residents"]["suzuki"]
    body = {"resident": rid, "documents": ["licence:123456789012"], "kinds": ["auth"]}
    st, obj = clerk.call("POST", "/api/v1/procedures/revoke", body=body)
    check(st == 422 and "rule W1" in obj.get("error", ""), "a revocation on a Saturday: refused (W1)")
    st, obj = clerk.call("POST", "/api/v1/approvals",
                         body={"kind": "hours-override", "what": "resident %d: a late visit" % rid})
    req = obj.get("id")
    st, obj = clerk.call("POST", "/api/v1/procedures/revoke", body=dict(body, hoursApproval=req))
    check(st == 422 and "not approved" in obj.get("error", ""), "with the request not yet approved: refused")
    st, obj = sup.call("POST", "/api/v1/approvals/{id}/approve", ident=req)
    check(st == 200 and obj["state"] == "approved", "the supervisor approves the override")
    other = dict(body, resident=setup["residents"]["sato"], hoursApproval=req)
    st, obj = clerk.call("POST", "/api/v1/procedures/revoke", body=other)
    check(st == 422 and "something else" in obj.get("error", ""), "the approval does not cover another resident")
    st, obj = clerk.call("POST", "/api/v1/procedures/revoke", body=dict(body, hoursApproval=req))
    check(st == 200 and len(obj.get("serials", [])) == 1, "with it, the revocation runs on a Saturday")
    st, case = clerk.call("GET", "/api/v1/cases/{id}", ident=obj.get("case"))
    check(st == 200, "the case is there")
    st, entries = sup.call("GET", "/api/v1/audit/entries", query="?from=1&count=100")
    last = [e for e in entries.get("entries", []) if e["action"] == "approval.use"]
    check(last and "hours-override by sup1" in last[-1]["detail"], "the use of the approval is an entry naming sup1")
    st, obj = clerk.call("POST", "/api/v1/procedures/revoke", body=dict(body, hoursApproval=req))
    check(st == 422 and "used already" in obj.get("error", ""), "the approval is used once")
    print("peer %s" % ("failed" if FAILED else "ok"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(hours(sys.argv) if sys.argv[1] == "hours" else main(sys.argv))
