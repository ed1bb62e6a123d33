"""Bad requests, as a careless client or an attacker sends them, against a
running server: each must get its 4xx and leave the server serving.

Usage: hardening_checks.py PORT TOKEN SERVER_PID
Prints TAP-style "ok - " / "not ok - " lines (counted by tests/run.sh).
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks_lib import TLS, failures, report  # noqa: E402

PORT, TOKEN, PID = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
P = "/api/v1/namespaces/default/pods"


def connect(timeout=30):
    raw = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    return TLS.wrap_socket(raw, server_hostname="127.0.0.1")


def read_response(sock):
    """Reads one response; returns (status, headers, body). Handles chunked."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        buf = rest
        while True:
            while b"\r\n" not in buf:
                more = sock.recv(65536)
                if not more:
                    return status, headers, body
                buf += more
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                more = sock.recv(65536)
                if not more:
                    return status, headers, body + buf
                buf += more
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                return status, headers, body
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        if not more:
            break
        rest += more
    return status, headers, rest


def request(method, path, body=b"", content_type="application/json", headers=None, token=TOKEN, sock=None):
    own = sock is None
    sock = sock or connect()
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{PORT}", f"Content-Type: {content_type}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if not (headers and "Transfer-Encoding" in headers):
        lines.append(f"Content-Length: {len(body)}")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    try:
        return read_response(sock)
    finally:
        if own:
            sock.close()


def status_of(*args, **kwargs):
    try:
        return request(*args, **kwargs)[0]
    except OSError as e:
        return f"connection error: {e}"


def alive():
    return status_of("GET", "/healthz", token=None) == 200


def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def pod(name, **extra):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"schedulerName": "manual", "containers": [{"name": "c", "image": "busybox"}]}}
    for k, v in extra.items():
        obj[k] = v
    return obj


def expect(name, want, method, path, body=b"", content_type="application/json"):
    got = status_of(method, path, body, content_type)
    report(f"{name} -> {want}", got == want, f"got {got}")


def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


# 1. Invalid UTF-8 is refused at decode; nothing is stored.
bad_yaml = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: utf8\n  annotations:\n    a: \"\xff\"\nspec:\n  schedulerName: manual\n  containers:\n  - name: c\n    image: busybox\n"
expect("invalid UTF-8 in a YAML body", 400, "POST", P, bad_yaml, "application/yaml")
expect("invalid UTF-8 in an apply patch", 400, "PATCH", P + "/utf8?fieldManager=t", bad_yaml, "application/apply-patch+yaml")
expect("... and nothing was stored", 404, "GET", P + "/utf8")
expect("invalid UTF-8 in a JSON body", 400, "POST", P,
       b'{"metadata":{"name":"u","annotations":{"a":"\xff"}},"spec":{"containers":[{"name":"c","image":"x"}]}}')
expect("pods still list", 200, "GET", P)

# 2. Deep nesting, long scalars and self-referential aliases.
long_scalar = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: long-scalar\n  annotations:\n    a: "
               + "x" * 50000 + "\nspec:\n  schedulerName: manual\n  containers:\n  - name: c\n    image: busybox\n")
expect("a 50 KB plain YAML scalar is stored, not a crash", 201, "POST", P, long_scalar, "application/yaml")
expect("a 50 KB number-like plain scalar", 400, "POST", P, "a: " + "1" * 50000 + "e5\n", "application/yaml")
expect("YAML nested 100,000 deep", 400, "POST", P, nested(100000), "application/yaml")
expect("self-referential YAML alias", 400, "POST", P, "a: &a [*a]\n", "application/yaml")
status_of("POST", P, json.dumps(pod("patch-target")))
deep_json = '{"metadata":{"annotations":{"a":' + nested(100000, '"x"') + '}}}'
expect("merge patch nested 100,000 deep", 400, "PATCH", P + "/patch-target", deep_json, "application/merge-patch+json")
expect("strategic patch nested 100,000 deep", 400, "PATCH", P + "/patch-target", deep_json,
       "application/strategic-merge-patch+json")
expect("JSON patch nested 100,000 deep", 400, "PATCH", P + "/patch-target",
       '[{"op":"add","path":"/metadata/x","value":' + nested(100000) + '}]', "application/json-patch+json")
expect("apply patch nested 100,000 deep", 400, "PATCH", P + "/patch-target?fieldManager=t", deep_json,
       "application/apply-patch+yaml")
for kind in ["merge-patch+json", "strategic-merge-patch+json"]:
    got = status_of("PATCH", P + "/patch-target", '{"metadata":{"labels":' + nested(10000, "1") + '}}',
                    "application/" + kind)
    report(f"{kind} nested 10,000 deep is refused cleanly", got == 400, f"got {got}")
copies = [{"op": "add", "path": "/metadata/annotations", "value": {"a": "x" * 1000}}]
copies += [{"op": "copy", "from": "/metadata", "path": "/metadata/m%d" % i} for i in range(40)]
expect("JSON patch that doubles the object 40 times", 400, "PATCH", P + "/patch-target", json.dumps(copies),
       "application/json-patch+json")
report("server is up after the nesting attacks", alive())

# 3. Billion laughs.
laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
prev = "a"
for level in "bcdefghi":
    laughs += f"{level}: &{level} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    prev = level
before = rss_mb()
start = time.time()
expect("YAML alias bomb (%d bytes)" % len(laughs), 400, "POST", P, laughs, "application/yaml")
report("... answered within a second, RSS grew < 50 MB",
       time.time() - start < 1 and rss_mb() - before < 50, f"{time.time() - start:.2f} s, {rss_mb() - before:.0f} MB")

# 6. Library exceptions are 400/422, never 500.
expect("number out of range", 400, "POST", P, '{"x":1e400}')
expect("number out of range in YAML", 400, "POST", P, "metadata:\n  name: n\nx: 1e400\n", "application/yaml")
expect("$patch that is not a string", 400, "PATCH", P + "/patch-target", '{"$patch":5}',
       "application/strategic-merge-patch+json")
expect("$patch that is not a string in a list item", 400, "PATCH", P + "/patch-target",
       '{"spec":{"containers":[{"name":"c","$patch":5}]}}', "application/strategic-merge-patch+json")
expect("DeleteOptions with a numeric uid precondition", 400, "DELETE", P + "/patch-target",
       '{"preconditions":{"uid":5}}')
expect("eviction with gracePeriodSeconds \"x\"", 400, "POST", P + "/patch-target/eviction",
       '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"patch-target"},"deleteOptions":{"gracePeriodSeconds":"x"}}')
expect("eviction with gracePeriodSeconds 2^64-1", 422, "POST", P + "/patch-target/eviction",
       '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"patch-target"},"deleteOptions":{"gracePeriodSeconds":18446744073709551615}}')
expect("... the pod is still there", 200, "GET", P + "/patch-target")
status, _, body = request("POST", P, b'{"metadata":{"name":"\xc3\x28"}}')
report("an error quoting invalid UTF-8 back is a 400 Status", status == 400 and b'"kind":"Status"' in body,
       f"{status} {body[:200]!r}")
expect("an unsupported content type is 415", 415, "POST", P, "x", "application/x-something")

# 13. Out-of-range numbers, immutable fields, selector grammar, watch versions.
big = pod("big-grace")
big["spec"]["terminationGracePeriodSeconds"] = 1e19
expect("terminationGracePeriodSeconds 1e19", 422, "POST", P, json.dumps(big))
expect("PATCH spec.nodeName", 422, "PATCH", P + "/patch-target", '{"spec":{"nodeName":"no-such-node"}}',
       "application/merge-patch+json")
status_of("PATCH", P + "/patch-target", '{"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}',
          "application/merge-patch+json")
expect("replacing tolerations", 422, "PATCH", P + "/patch-target",
       '{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}', "application/merge-patch+json")
expect("adding a toleration", 200, "PATCH", P + "/patch-target",
       '{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]}}',
       "application/merge-patch+json")
expect("label selector x>abc", 400, "GET", P + "?labelSelector=x%3Eabc")
expect("label selector a in ()", 400, "GET", P + "?labelSelector=a%20in%20()")
expect("label selector x>5", 200, "GET", P + "?labelSelector=x%3E5")
expect("watch from resourceVersion -1", 400, "GET", P + "?watch=true&resourceVersion=-1")

# 7. Body limits, however the body is framed.
sock = connect()
sock.sendall((f"POST {P} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\n\r\n").encode())
chunk = b"x" * 65536
sent = 0
try:
    while sent < 20 << 20:
        sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        sent += len(chunk)
except OSError:
    pass
try:
    status = read_response(sock)[0]
except OSError:
    status = "reset"
sock.close()
report("a 20 MB chunked body is refused with 413", status == 413, f"got {status} after {sent >> 20} MB")
big_pod = pod("too-big")
big_pod["spec"]["containers"][0]["args"] = ["x" * (4 << 20)]
expect("a 4 MB body with Content-Length", 413, "POST", P, json.dumps(big_pod))
ann = pod("big-annotations")
ann["metadata"]["annotations"] = {"a": "x" * (300 << 10)}
expect("annotations over 256 KiB", 422, "POST", P, json.dumps(ann))
report("server is up after the body attacks", alive())

# 8. LIST memory stays in proportion to a page.
fat = pod("fat")
fat["spec"]["containers"][0]["args"] = ["y" * (1536 << 10)]
expect("a 1.5 MB pod is stored", 201, "POST", P, json.dumps(fat))
before = rss_mb()
for _ in range(24):
    request("GET", P)
grown = rss_mb() - before
report("24 LISTs of a 1.5 MB pod grow RSS by < 100 MB", grown < 100, f"grew {grown:.0f} MB")
s1, _, page1 = request("GET", P + "?limit=2")
p1 = json.loads(page1)
token = p1["metadata"].get("continue", "")
report("limit=2 returns 2 items and a continue token", len(p1["items"]) == 2 and token, page1[:300])
s2, _, page2 = request("GET", P + "?limit=500&continue=" + token)
names = [i["metadata"]["name"] for i in p1["items"]] + [i["metadata"]["name"] for i in json.loads(page2)["items"]]
report("the next page continues after the first, without repeats",
       len(names) == len(set(names)) and names == sorted(names), names)
expect("a malformed continue token", 400, "GET", P + "?continue=%%%")

# 5. Watches and idle connections hold no thread.
watches = []
list_rv = json.loads(request("GET", P + "?limit=1")[2])["metadata"]["resourceVersion"]
for i in range(300):
    s = connect()
    s.sendall((f"GET {P}?watch=true&resourceVersion={list_rv} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n").encode())
    watches.append(s)
idle = [connect() for _ in range(200)]
start = time.time()
got_get = status_of("GET", P + "/patch-target")
got_post = status_of("POST", P, json.dumps(pod("during-watches")))
got_health = status_of("GET", "/healthz", token=None)
took = time.time() - start
report("with 300 watches and 200 idle TLS connections open, GET, POST and /healthz answer",
       (got_get, got_post, got_health) == (200, 201, 200) and took < 5, f"{got_get} {got_post} {got_health} {took:.2f}s")
received = 0
for s in watches[:10]:
    s.settimeout(5)
    try:
        data = s.recv(65536)
        while b"during-watches" not in data and len(data) < 1 << 20:
            more = s.recv(65536)
            if not more:
                break
            data += more
        received += b"during-watches" in data
    except OSError:
        pass
report("open watches see the pod created meanwhile", received == 10, f"{received} of 10")
for s in watches:
    s.close()
raw = socket.create_connection(("127.0.0.1", PORT))
start = time.time()
raw.settimeout(20)
try:
    closed = raw.recv(1) == b""
except OSError:
    closed = True
report("a connection that sends nothing is closed after about 10 s",
       closed and 8 < time.time() - start < 15, f"{time.time() - start:.1f} s")
for s in idle:
    s.close()
report("server is up at the end", alive())
sys.exit(1 if failures() else 0)
