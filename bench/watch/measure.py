#!/usr/bin/env python3
"""bench/watch/measure.py: the client side of bench/watch (see run). Talks to the fake API
server's control interface and to one routesrv-serve; prints one JSON object per command.

  measure.py changes CLUSTER.json N OUT.json     N Endpoints objects of the cluster, each with
                                                 its first address moved (one change each)
  measure.py propagate API ROUTES CHANGES.json K K single changes, one at a time, 0-3 s
      apart at random (poll cycles are 3 s): for each, the time from the API server accepting
      it to ROUTES serving a new ETag (polled with If-None-Match every 10 ms) that holds the
      new address
  measure.py burst API CHANGES.json SECONDS      every change in CHANGES.json (from index K on
      the caller's side: it passes the file it wants), spread evenly over SECONDS in 10 requests
  measure.py cost API CHANGES.json GAP            every change, GAP seconds apart, nothing
      else asked (the caller reads the server's CPU time before and after)
  measure.py rest API SECONDS                    what the API server sent meanwhile: requests
      and body bytes (its own counters), scaled to one minute
"""
import json
import random
import sys
import time
import urllib.request


def post(url, body=b""):
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def get(url, etag=None):
    req = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("ETag"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("ETag"), b""


def changes(cluster, n, out):
    items = json.load(open(cluster))["items"]
    eps = [o for o in items if o.get("kind") == "Endpoints"][:n]
    if len(eps) < n:
        sys.exit(f"measure.py: the cluster has only {len(eps)} Endpoints")
    for i, o in enumerate(eps):
        addr = o["subsets"][0]["addresses"][0]
        addr["ip"] = "10.250.%d.%d" % (i // 250, i % 250)
        o["metadata"].pop("resourceVersion", None)
    json.dump(eps, open(out, "w"))
    print(json.dumps({"changes": len(eps)}))


def percentile(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def propagate(api, routes, path, k):
    objs = json.load(open(path))[:k]
    status, etag, _ = get(routes)
    if status != 200:
        sys.exit(f"measure.py: {routes} answered {status}")
    delays = []
    rng = random.Random(14)
    for o in objs:
        # a random phase against poll cycles (3 s): changes do not come in step with them
        time.sleep(rng.uniform(0, 3))
        accepted = post(api + "/_control/apply", json.dumps(o).encode())["accepted"]
        deadline = time.time() + 60
        while True:
            status, new, _ = get(routes, etag)
            if status == 200 and new != etag:
                seen = time.time()
                break
            if time.time() > deadline:
                sys.exit("measure.py: no new ETag within 60 s")
            time.sleep(0.01)
        ip = o["subsets"][0]["addresses"][0]["ip"]
        _, etag, body = get(routes)
        if ('"http://%s:' % ip).encode() not in body:
            # a table published before this change (a poll that started earlier): wait on
            while ('"http://%s:' % ip).encode() not in body and time.time() < deadline:
                time.sleep(0.01)
                _, etag, body = get(routes)
                seen = time.time()
            if time.time() >= deadline:
                sys.exit(f"measure.py: {ip} never served")
        delays.append(seen - accepted)
    print(json.dumps({"n": len(delays), "p50": percentile(delays, 50), "p99": percentile(delays, 99),
                      "mean": sum(delays) / len(delays), "max": max(delays)}))


def burst(api, path, seconds):
    objs = json.load(open(path))
    parts = 10
    size = (len(objs) + parts - 1) // parts
    t0 = time.time()
    for i in range(parts):
        chunk = objs[i * size:(i + 1) * size]
        if chunk:
            post(api + "/_control/apply", json.dumps({"kind": "List", "items": chunk}).encode())
        pause = t0 + (i + 1) * seconds / parts - time.time()
        if pause > 0:
            time.sleep(pause)
    print(json.dumps({"changes": len(objs), "seconds": time.time() - t0}))


def cost(api, path, gap):
    objs = json.load(open(path))
    for o in objs:
        post(api + "/_control/apply", json.dumps(o).encode())
        time.sleep(gap)
    print(json.dumps({"changes": len(objs)}))


def rest(api, seconds):
    a = post(api + "/_control/stats")
    time.sleep(seconds)
    b = post(api + "/_control/stats")
    scale = 60.0 / seconds
    print(json.dumps({"requests_per_min": (b["requests"] - a["requests"]) * scale,
                      "bytes_per_min": (b["bytes"] - a["bytes"]) * scale}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "changes":
        changes(args[0], int(args[1]), args[2])
    elif cmd == "propagate":
        propagate(args[0], args[1], args[2], int(args[3]))
    elif cmd == "burst":
        burst(args[0], args[1], float(args[2]))
    elif cmd == "cost":
        cost(args[0], args[1], float(args[2]))
    elif cmd == "rest":
        rest(args[0], float(args[1]))
    else:
        sys.exit(__doc__)
