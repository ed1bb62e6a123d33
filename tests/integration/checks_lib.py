"""What the Python checks share: TAP-style reporting (counted by
tests/run.sh), JSON calls to a running server over HTTPS with the admin
token, and waiting for a condition."""
import http.client
import json
import ssl
import sys
import time

TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE
_failed = 0


def report(name, good, detail=""):
    global _failed
    if good:
        print(f"ok - {name}")
    else:
        _failed += 1
        print(f"not ok - {name}")
        for line in str(detail).splitlines()[:15]:
            print(f"#   {line}")
    sys.stdout.flush()


def failures():
    return _failed


class Api:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def call(self, method, path, body=None):
        """One request on its own connection; returns (status, decoded JSON body)."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=TLS, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            return resp.status, json.loads(raw) if raw else {}
        except ValueError:
            return resp.status, {"raw": raw.decode(errors="replace")}


def wait_for(predicate, timeout=30.0, every=0.05):
    """Polls `predicate` until it returns something true or `timeout` passes."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()
