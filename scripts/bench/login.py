#!/usr/bin/env python3
"""Signs in a sample of a generated clinic's accounts and writes one line per session for
the wrk script: role, user id, cookie header, CSRF token. Standard library only.

    login.py BASE_URL OUT.tsv PATIENTS CLINICIANS PASSWORD
"""
import http.cookiejar
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, out, patients, clinicians, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def login(email, role):
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    op.open(base + "/api/csrf").read()
    csrf = next(c.value for c in jar if c.name == "rw_csrf")
    req = urllib.request.Request(
        base + "/api/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        method="POST",
    )
    user = json.loads(op.open(req).read())
    user = user.get("user", user)
    if user["role"] != role:
        sys.exit(f"{email} signed in as {user['role']}, expected {role}")
    cookies = {c.name: c.value for c in jar}
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return "\t".join(map(str, (user["role"], user["id"], header, cookies.get("rw_csrf", csrf))))


accounts = [(f"patient{i}@clinic.test", "walker") for i in range(patients)]
accounts += [(f"clinician{i}@clinic.test", "clinician") for i in range(clinicians)]
started = time.time()
# The server hashes two passwords at a time; a few requests in flight keep it busy.
with ThreadPoolExecutor(max_workers=4) as pool:
    lines = list(pool.map(lambda a: login(*a), accounts))
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"== signed in {patients} patients and {clinicians} clinicians in {time.time() - started:.0f} s", file=sys.stderr)
