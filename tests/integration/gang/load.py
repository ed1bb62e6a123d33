"""Creates nodes and many gangs fast, for the kill -9 test, and checks the
gang invariant from the store.

  load.py PORT TOKEN create NODES GANGS SIZE PREFIX   nodes, then gangs (PodGroup + pods) from 8 clients
  load.py PORT TOKEN verify SIZE               one TAP line: no gang partly bound
"""
import http.client
import json
import ssl
import sys
import threading
from collections import Counter

PORT, TOKEN, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class Client:
    def __init__(self):
        self.conn = http.client.HTTPSConnection("127.0.0.1", PORT, context=CTX, timeout=30)

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()


def create(nodes, gangs, size, prefix):
    c = Client()
    for i in range(nodes):
        alloc = {"cpu": "8", "memory": "32Gi", "pods": "110"}
        c.call("POST", "/api/v1/nodes", {"metadata": {"name": f"crash-node-{i}"},
                                         "status": {"capacity": alloc, "allocatable": alloc}})
    for g in range(gangs):
        c.call("POST", "/apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups",
               {"apiVersion": "scheduling.gantry.io/v1alpha1", "kind": "PodGroup",
                "metadata": {"name": f"{prefix}-{g}"}, "spec": {"minMember": size}})
    work = [(g, i) for g in range(gangs) for i in range(size)]

    def run(part):
        client = Client()
        for g, i in part:
            try:
                client.call("POST", "/api/v1/namespaces/default/pods", {
                    "metadata": {"name": f"{prefix}-{g}-{i}",
                                 "labels": {"scheduling.gantry.io/pod-group": f"{prefix}-{g}", "crash": "yes"}},
                    "spec": {"containers": [{"name": "c", "image": "x",
                                             "resources": {"requests": {"cpu": "100m"}}}]}})
            except (OSError, http.client.HTTPException):
                return  # the server was killed

    threads = [threading.Thread(target=run, args=(work[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def verify(size):
    status, raw = Client().call("GET", "/api/v1/namespaces/default/pods?labelSelector=crash%3Dyes")
    items = json.loads(raw)["items"]
    bound = Counter(p["metadata"]["labels"]["scheduling.gantry.io/pod-group"] for p in items
                    if p["spec"].get("nodeName"))
    partial = {g: n for g, n in bound.items() if 0 < n < size}
    whole = sum(1 for n in bound.values() if n >= size)
    print(f"# {len(items)} pods, {whole} gangs bound whole, {len(partial)} partly")
    if partial:
        print("not ok - after kill -9 no gang is bound below minMember")
        print(f"#   {partial}")
    else:
        print("ok - after kill -9 no gang is bound below minMember")


if MODE == "create":
    create(int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
else:
    verify(int(sys.argv[4]))
