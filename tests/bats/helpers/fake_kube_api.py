#!/usr/bin/env python3
"""A stand-in Kubernetes API server for routesrv's tests (loopback only).

Serves Kubernetes objects from fixture YAML/JSON files the way the API server does
(spec kubernetes-to-eskip.md §6.4, kubernetes-watch.md W1, plus what a real API server adds):
  - GET /api/v1/{services,endpoints,secrets}, /apis/networking.k8s.io/v1/ingresses,
    /apis/zalando.org/v1/routegroups, /apis/discovery.k8s.io/v1/endpointslices,
    optionally under /namespaces/<ns>/, and /<name> for one object;
  - typed list envelopes (IngressList, ...) whose items carry no kind/apiVersion, in etcd's
    key order (namespace/name), metadata.resourceVersion (RV) on the list and on every
    object, and limit/continue paging (honoured for every request, also with
    resourceVersion=0, which real servers may ignore);
  - labelSelector (k=v, k==v, k!=v, k, !k; comma = and);
  - watches (?watch=1 or true): a chunked stream of {"type","object"} JSON lines, one per
    line; resourceVersion=RV resumes after RV, 0 or unset starts with the current objects as
    ADDED; the namespace and label selector apply (an object that starts or stops matching is
    ADDED or DELETED for the watcher); allowWatchBookmarks=true gives a BOOKMARK every
    --bookmark-interval seconds and before a timeoutSeconds end; an RV older than the last
    compaction gets an ERROR event with a 410 Status (or, after /_control/compact?gone=http,
    an HTTP 410 answer); a watch of RouteGroups without the CRD answers 404;
  - the zalando.org/v1 discovery document (routegroups listed while the CRD is installed);
  - bearer-token checks (--token/--token-file) and client certificates (--client-ca);
  - gzip when the client sends Accept-Encoding: gzip;
  - fault injection per URL path (--fault PATH=SPEC) and skipper's .api files (--api).

Fault SPECs: 401, 403, 404, 500 or any status code (with a Kubernetes Status body; 403
names the RBAC verb and resource like the real message), gone-on-continue[:N|:always]
(410 for continue requests, N times, default once), slow:SECONDS (answer late),
garbage (200 with a body that is not JSON), truncate (Content-Length promises more than
is sent, then the connection closes), truncate-json (a JSON body cut short, with a
matching Content-Length), body:FILE (200 with FILE's bytes as they are), trickle:SECONDS
(headers at once, then the body in small pieces spread over SECONDS, bytes never stopping
for more than a quarter of a second), stall:SECONDS (headers and half the body at once,
then nothing for SECONDS, then the rest), endless-continue (every page of the list
carries a continue token, past the last item with no items: a list that never ends).
Faults apply to watches of the path too.

PATCH .../namespaces/<ns>/ingresses/<name>/status with Content-Type
application/merge-patch+json applies the JSON merge patch (RFC 7386) to the stored Ingress
(its metadata.resourceVersion goes up, so the next list differs) and answers it; faults
apply to that path too (e.g. --fault /apis/networking.k8s.io/v1/namespaces/default/
ingresses/shop/status=403), and the request's "body" is logged.

The control interface (POST, answers JSON with the store's RV, the time it accepted the
request, and the server's counts of API requests, body bytes sent and open watches):
  /_control/apply, /_control/delete   body: YAML or JSON objects (or a List): each is
      created or replaced (ADDED/MODIFIED) or deleted (DELETED); every change gets an RV;
      apply?lose=1: no watch gets the event (lists show the change: a lost event)
  /_control/compact[?rv=N][&gone=http][&expire=1]   forget the history up to N (default:
      now): watches from older RVs get 410; expire=1 also ends open watches with an ERROR 410
  /_control/cut            close every open watch mid-stream (no final chunk)
  /_control/bookmark       every open watch that allows bookmarks sends one now
  /_control/crd?routegroups=absent|present   uninstall or install the RouteGroup CRD
      (open RouteGroup watches end)
  /_control/fault?path=PATH&spec=SPEC[&times=N]   add a fault (N requests, default all);
      without spec: remove it
  /_control/stats          nothing changes
Under /sets/NAME/_control/ they change that set.

Every accepted connection and every request is appended as a JSON line to --log:
  {"event": "connect", "conn": 1}
  {"event": "request", "conn": 1, "method": "GET", "path": ..., "query": {...},
   "headers": {"user-agent": ..., "accept-encoding": ..., "authorization": ...}, "status": 200}
  {"event": "watch-end", "conn": 1, "path": ..., "how": "timeout"|"cut"|"expired"|"gone"|"crd"|"client gone"}
With --set NAME=PATH (repeatable) one server serves several clusters: the objects of PATH
under the URL prefix /sets/NAME (-kubernetes-url http://127.0.0.1:PORT/sets/NAME), so a test
can compare many fixture sets without starting a server for each.
The chosen port is written to --port-file once the server listens. The server stops by
itself after --lifetime seconds.
"""
import argparse
import base64
import gzip
import http.server
import json
import os
import re
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

import yaml

RESOURCES = {
    "services": ("Service", "v1"),
    "endpoints": ("Endpoints", "v1"),
    "secrets": ("Secret", "v1"),
    "ingresses": ("Ingress", "networking.k8s.io/v1"),
    "routegroups": ("RouteGroup", "zalando.org/v1"),
    "endpointslices": ("EndpointSlice", "discovery.k8s.io/v1"),
}
KIND_TO_RESOURCE = {kind: res for res, (kind, _) in RESOURCES.items()}
GROUPS = {
    "services": "", "endpoints": "", "secrets": "", "ingresses": "networking.k8s.io",
    "routegroups": "zalando.org", "endpointslices": "discovery.k8s.io",
}
PATH_RE = re.compile(r"(?:/namespaces/([^/]+))?/(services|ingresses|routegroups|endpointslices|endpoints|secrets)(?:/([^/]+))?$")


class FixtureLoader(yaml.SafeLoader):
    """YAML 1.1 like Go's yaml.v2, but timestamps stay strings (as in Kubernetes JSON)."""


FixtureLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    if path.endswith(".json"):
        return [json.loads(text)]
    docs = []
    for d in yaml.load_all(text, Loader=FixtureLoader):
        if d is None:
            break  # skipper's fake stops at the first empty document
        docs.append(d)
    return docs


def fixture_files(path):
    if os.path.isdir(path):
        out = []
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".yaml", ".yml", ".json")):
                    out.append(os.path.join(root, f))
        return out
    return [path]


class Store:
    """One cluster's objects, with the history a watch resumes from (spec kubernetes-watch.md W1).

    Every change gets the next resourceVersion (RV), a decimal counter shared by all resources,
    which the object carries in metadata.resourceVersion; a list reports the counter as its RV.
    Lists come in etcd's key order ("namespace/name", bytewise), as the API server's are.
    The history keeps (rv, resource, type, object, previous object) for each change since the
    last compaction; a watch from an RV older than that is answered 410 Gone."""

    def __init__(self):
        self.objects = {res: [] for res in RESOURCES}
        self.index = {res: {} for res in RESOURCES}   # object_key -> first position in objects[res]
        self.rv = 1000
        self.history = []
        self.compacted = 0            # watches from an RV below this get 410
        self.gone_http = False        # 410 as the HTTP status of the watch (else an ERROR event)
        self.crd = True               # the RouteGroup CRD is installed
        self.generation = 0           # bumped to end open watches (cut, expire, CRD gone)
        self.ending = {}              # generation -> how open watches end ("cut", "expire", "crd")
        self.bookmark_now = 0         # bumped to make open watches send a bookmark now
        self.cond = threading.Condition()

    def add(self, doc, source):
        if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str) or not isinstance(doc.get("metadata", {}), dict):
            raise ValueError(f"{source}: invalid fixture: every document needs a string kind and a metadata map")
        if doc["kind"] == "List":
            for item in doc.get("items") or []:
                self.add(item, source)
            return
        if "metadata" not in doc:
            raise ValueError(f"{source}: invalid fixture: {doc['kind']} without metadata")
        res = KIND_TO_RESOURCE.get(doc["kind"])
        if res:
            self.rv += 1
            doc = stamped(doc, self.rv)
            self.index[res].setdefault(object_key(doc), len(self.objects[res]))
            self.objects[res].append(doc)

    def select(self, res, ns, name, selector):
        out = []
        for o in self.objects[res]:
            meta = o.get("metadata") or {}
            if ns is not None and (meta.get("namespace") or "default") != ns:
                continue
            if name is not None and meta.get("name") != name:
                continue
            if not selector_matches(selector, meta.get("labels") or {}):
                continue
            out.append(o)
        return sorted(out, key=etcd_key)

    # --- changes (the control interface; callers hold self.cond) -------------------------------

    def find(self, res, doc):
        return self.index[res].get(object_key(doc), -1)

    def record(self, res, kind, obj, old, lose=False):
        if not lose:
            self.history.append((self.rv, res, kind, obj, old))
        self.cond.notify_all()

    def apply(self, doc, lose=False):
        """Creates or replaces an object; returns its event type. lose: no watch gets the
        event (a lost event, for clients' safety nets); lists show the change."""
        res = KIND_TO_RESOURCE.get(doc.get("kind"))
        if not res:
            raise ValueError(f"unknown kind {doc.get('kind')!r}")
        self.rv += 1
        new = stamped(doc, self.rv)
        i = self.find(res, doc)
        if i < 0:
            self.index[res][object_key(new)] = len(self.objects[res])
            self.objects[res].append(new)
            self.record(res, "ADDED", new, None, lose)
            return "ADDED"
        old = self.objects[res][i]
        self.objects[res][i] = new
        self.record(res, "MODIFIED", new, old, lose)
        return "MODIFIED"

    def delete(self, doc):
        res = KIND_TO_RESOURCE.get(doc.get("kind"))
        i = self.find(res, doc) if res else -1
        if i < 0:
            raise KeyError(f"{doc.get('kind')} {'/'.join(object_key(doc))} not found")
        old = self.objects[res].pop(i)
        self.index[res] = {}
        for j, o in enumerate(self.objects[res]):
            self.index[res].setdefault(object_key(o), j)
        self.rv += 1
        self.record(res, "DELETED", stamped(old, self.rv), old)

    def compact(self, rv=None):
        """Forgets the history up to rv (default: now): watches from an older RV get 410."""
        self.compacted = self.rv if rv is None else rv
        self.history = [h for h in self.history if h[0] > self.compacted]

    def end_watches(self, how):
        self.generation += 1
        self.ending[self.generation] = how
        self.cond.notify_all()

    def events_after(self, rv):
        """History entries with an RV above rv (the history is in RV order)."""
        lo, hi = 0, len(self.history)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.history[mid][0] <= rv:
                lo = mid + 1
            else:
                hi = mid
        return self.history[lo:]


def object_key(doc):
    meta = doc.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def etcd_key(doc):
    """The object's place in a list: etcd keys are <resource>/<namespace>/<name>, bytewise."""
    ns, name = object_key(doc)
    return (ns + "/" + name).encode()


def stamped(doc, rv):
    """A copy of doc whose metadata.resourceVersion is rv."""
    doc = dict(doc)
    meta = dict(doc.get("metadata") or {})
    meta["resourceVersion"] = str(rv)
    doc["metadata"] = meta
    return doc


def selector_matches(selector, labels):
    if not selector:
        return True
    labels = {str(k): str(v) for k, v in labels.items()}
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.split("==", 1) if "==" in term else term.split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def merge_patch(target, patch):
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def status_body(code, message, reason):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 415: "UnsupportedMediaType",
           410: "Expired", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}


def forbidden_message(path):
    m = re.search(r"/namespaces/([^/]+)/ingresses/([^/]+)/status$", path)
    if m:
        return (f'ingresses.networking.k8s.io "{m.group(2)}" is forbidden: User "system:serviceaccount:default:routesrv" '
                f'cannot patch resource "ingresses/status" in API group "networking.k8s.io" in the namespace "{m.group(1)}"')
    m = PATH_RE.search(path)
    if not m:
        return f'forbidden: User "system:serviceaccount:default:routesrv" cannot get path "{path}"'
    ns, res = m.group(1), m.group(2)
    group = GROUPS[res]
    full = f"{res}.{group}" if group else res
    scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    return (f'{full} is forbidden: User "system:serviceaccount:default:routesrv" cannot list resource '
            f'"{res}" in API group "{group}" {scope}')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-api"

    def log_message(self, fmt, *args):  # keep stderr quiet; the JSON log is the record
        pass

    def setup(self):
        super().setup()
        self.conn_id = self.server.next_conn()

    def record(self, status):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        extra = {"body": self.request_body} if getattr(self, "request_body", None) is not None else {}
        self.server.log({**extra,
            "event": "request", "conn": self.conn_id, "method": self.command,
            "path": urllib.parse.urlsplit(self.path).path,
            "raw_query": urllib.parse.urlsplit(self.path).query,
            "query": {k: v[0] if len(v) == 1 else v for k, v in q.items()},
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "status": status,
        })

    def send_json(self, code, obj, raw=None, content_length=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "") and raw is None
        if gz:
            body = gzip.compress(body)
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(content_length if content_length is not None else len(body)))
        self.end_headers()
        pacing = getattr(self, "pacing", None)
        if pacing and pacing[0] == "trickle":
            self.wfile.flush()
            pieces = max(1, int(pacing[1] / 0.25))
            step = max(1, -(-len(body) // pieces))
            for i in range(0, len(body), step):
                time.sleep(pacing[1] / pieces)
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
        elif pacing and pacing[0] == "stall":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(pacing[1])
            try:
                self.wfile.write(body[len(body) // 2:])
            except OSError:
                pass  # the client gave up, as it should
        else:
            self.wfile.write(body)
        self.server.sent(len(body))
        self.record(code)

    def send_status(self, code, message=None):
        reason = REASONS.get(code, "Unknown")
        self.send_json(code, status_body(code, message or reason, reason))

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        store = self.server.store
        m = re.match(r"^/sets/([^/]+)(/.*)$", path)
        if m:
            store = self.server.sets.get(m.group(1))
            path = m.group(2)
        if store is not None and path.startswith("/_control/"):
            return self.control(store, path[len("/_control/"):])
        self.send_status(405, "method not allowed")

    do_PUT = do_DELETE = do_POST

    def do_PATCH(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self.request_body = json.loads(raw)
        except ValueError:
            self.request_body = raw.decode("utf-8", "replace")
        path = urllib.parse.urlsplit(self.path).path
        if not self.authorized():
            return self.send_status(401, "Unauthorized")
        if self.fault(path, {}):
            return
        m = re.match(r"^/apis/networking\.k8s\.io/v1/namespaces/([^/]+)/ingresses/([^/]+)/status$", path)
        if not m:
            return self.send_status(405, "method not allowed")
        if self.headers.get("Content-Type") != "application/merge-patch+json":
            return self.send_status(415, "unsupported media type")
        if not isinstance(self.request_body, dict):
            return self.send_status(400, "the body is not a JSON object")
        store = self.server.store
        with store.cond:
            items = store.select("ingresses", m.group(1), m.group(2), "")
            if not items:
                return self.send_status(404, f'ingresses.networking.k8s.io "{m.group(2)}" not found')
            merged = merge_patch(items[0], {"status": self.request_body.get("status")})
            merged.setdefault("kind", "Ingress")
            store.apply(merged)   # a new resourceVersion, and a MODIFIED event for watches
            answer = json.loads(json.dumps(store.select("ingresses", m.group(1), m.group(2), "")[0]))
        self.send_json(200, answer)

    # --- the control interface: tests change the cluster (POST /_control/<op>) -----------------

    def control(self, store, op):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        arg = lambda k, d=None: query.get(k, [d])[0]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            with store.cond:
                if op in ("apply", "delete"):
                    docs = []
                    text = body.decode("utf-8")
                    # JSON (bench/watch's bursts) without the YAML parser's cost
                    parsed = [json.loads(text)] if text.lstrip()[:1] in ("{", "[") else yaml.load_all(text, Loader=FixtureLoader)
                    for d in parsed:
                        if isinstance(d, dict) and d.get("kind") == "List":
                            docs.extend(d.get("items") or [])
                        elif d is not None:
                            docs.append(d)
                    for d in docs:
                        store.apply(d, arg("lose") == "1") if op == "apply" else store.delete(d)
                elif op == "compact":
                    store.gone_http = arg("gone") == "http"
                    store.compact(int(arg("rv")) if arg("rv") else None)
                    if arg("expire") == "1":
                        store.end_watches("expire")
                elif op == "cut":
                    store.end_watches("cut")
                elif op == "bookmark":
                    store.bookmark_now += 1
                    store.cond.notify_all()
                elif op == "crd":
                    store.crd = arg("routegroups") != "absent"
                    if not store.crd:
                        store.end_watches("crd")
                elif op == "fault":
                    with self.server.lock:
                        if arg("spec"):
                            self.server.faults[arg("path")] = arg("spec")
                            self.server.fault_times[arg("path")] = int(arg("times", "-1"))
                        else:
                            self.server.faults.pop(arg("path"), None)
                elif op != "stats":
                    raise ValueError(f"unknown control operation {op!r}")
                answer = {"resourceVersion": str(store.rv), "accepted": time.time()}
            with self.server.lock:
                answer.update(requests=self.server.requests, bytes=self.server.bytes_sent, watches=self.server.watches)
        except (ValueError, KeyError, TypeError, yaml.YAMLError) as e:
            return self.send_json(400, {"error": str(e)})
        self.send_json(200, answer)

    def authorized(self):
        token = self.server.accepted_token()
        if token is None:
            return True
        if self.headers.get("Authorization") == "Bearer " + token:
            return True
        if self.server.args.token_write_on_401:
            # The kubelet "rotates" the client's token file just as the old token expired.
            with open(self.server.args.token_write_on_401, "w") as f:
                f.write(token + "\n")
        return False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        store = self.server.store
        m = re.match(r"^/sets/([^/]+)(/.*)$", path)
        if m:
            store = self.server.sets.get(m.group(1))
            if store is None:
                return self.send_status(404, f"no set {m.group(1)}")
            path = m.group(2)
        if path.startswith("/_control/"):
            return self.control(store, path[len("/_control/"):])
        with self.server.lock:
            self.server.requests += 1
        if not self.authorized():
            return self.send_status(401, "Unauthorized")
        if self.fault(path, query):
            return
        if path in self.server.fail_on:
            return self.send_status(500, "injected failure")
        if path in self.server.find_not:
            return self.send_status(404, "the server could not find the requested resource")
        if path == "/apis/zalando.org/v1":
            resources = [] if not store.crd else [
                {"name": "routegroups", "singularName": "routegroup", "namespaced": True, "kind": "RouteGroup",
                 "verbs": ["get", "list", "watch"], "shortNames": ["rg", "rgs"]},
                {"name": "routegroups/status", "singularName": "", "namespaced": True, "kind": "RouteGroup",
                 "verbs": ["get", "patch", "update"]},
            ]
            return self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                        "groupVersion": "zalando.org/v1", "resources": resources})
        m = PATH_RE.search(path)
        if not m:
            return self.send_status(404, "the server could not find the requested resource")
        ns, res, name = m.group(1), m.group(2), m.group(3)
        if res == "routegroups" and not store.crd:
            return self.send_status(404, "the server could not find the requested resource")
        selector = query.get("labelSelector", [""])[0]
        if name is None and query.get("watch", [""])[0] in ("1", "true"):
            return self.watch(store, res, ns, selector, query)
        with store.cond:
            items = store.select(res, ns, name, selector)
            list_rv = str(store.rv)
        if name is not None:
            if not items:
                return self.send_status(404, f'{res} "{name}" not found')
            return self.send_json(200, items[0])
        self.send_list(res, items, query, list_rv, self.server.faults.get(path) == "endless-continue")

    # --- watch (spec kubernetes-watch.md W1) ----------------------------------------------------

    def watch(self, store, res, ns, selector, query):
        kind, api_version = RESOURCES[res]
        rv = query.get("resourceVersion", [""])[0]
        bookmarks = query.get("allowWatchBookmarks", [""])[0] in ("1", "true")
        try:
            timeout = float(query.get("timeoutSeconds", ["0"])[0] or 0)
            since = int(rv) if rv not in ("", "0") else None
        except ValueError:
            return self.send_status(400, f"invalid resourceVersion or timeoutSeconds")
        gone = lambda since: "too old resource version: %s (%d)" % (since, store.compacted)

        def event(kind_, obj):
            obj = dict(obj)
            obj["kind"], obj["apiVersion"] = kind, api_version   # objects in events carry both
            return {"type": kind_, "object": obj}

        def bookmark():
            return {"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                                                   "metadata": {"resourceVersion": str(store.rv)}}}

        def matches(obj):
            meta = (obj or {}).get("metadata") or {}
            return obj is not None and (ns is None or (meta.get("namespace") or "default") == ns) and \
                selector_matches(selector, meta.get("labels") or {})

        def translate(h):
            """The event a watcher with this namespace and selector sees for a change, or None:
            an object that starts or stops matching is ADDED or DELETED for it."""
            _, hres, htype, obj, old = h
            if hres != res:
                return None
            now, before = matches(obj), htype == "MODIFIED" and matches(old)
            if htype == "MODIFIED":
                htype = "MODIFIED" if now and before else "ADDED" if now else "DELETED" if before else None
            elif not now:
                htype = None
            return event(htype, obj) if htype else None

        with store.cond:
            if since is not None and since < store.compacted:
                if store.gone_http:
                    return self.send_status(410, gone(rv))
                initial, last = [{"type": "ERROR", "object": status_body(410, gone(rv), "Expired")}], None
            elif since is None:   # "any": the current objects as ADDED, then changes
                initial, last = [event("ADDED", o) for o in store.select(res, ns, None, selector)], store.rv
            else:
                initial, last = [e for e in map(translate, store.events_after(since)) if e], store.rv
            generation, marks = store.generation, store.bookmark_now
            with self.server.lock:
                self.server.watches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.record(200)
        how = "closed"
        try:
            for e in initial:
                self.write_chunk(e)
            if last is None:   # 410 as an ERROR event: the stream ends after it
                how = "gone"
                return self.end_chunks(how)
            deadline = time.monotonic() + timeout if timeout > 0 else None
            next_mark = time.monotonic() + self.server.args.bookmark_interval
            while True:
                with store.cond:
                    while True:
                        now = time.monotonic()
                        if store.generation != generation or (deadline and now >= deadline) or \
                                store.events_after(last) or (bookmarks and (now >= next_mark or store.bookmark_now != marks)):
                            break
                        wake = min(t for t in (deadline, next_mark if bookmarks else None, now + 5) if t)
                        store.cond.wait(max(0.0, wake - now))
                    pending = [e for e in map(translate, store.events_after(last)) if e]
                    last = store.rv
                    ended = store.ending.get(store.generation) if store.generation != generation else None
                    mark = bookmarks and (time.monotonic() >= next_mark or store.bookmark_now != marks)
                    marks = store.bookmark_now
                    b = bookmark()
                for e in pending:
                    self.write_chunk(e)
                if ended == "cut":
                    how = "cut"
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)   # mid-stream: no final chunk
                    return
                if ended == "expire":
                    how = "expired"
                    self.write_chunk({"type": "ERROR", "object": status_body(410, gone(last), "Expired")})
                    return self.end_chunks(how)
                if ended is not None or (deadline and time.monotonic() >= deadline):
                    how = "crd" if ended else "timeout"
                    if bookmarks and ended is None:   # the API server's last word before a timeout
                        self.write_chunk(b)
                    return self.end_chunks(how)
                if mark:
                    self.write_chunk(b)
                    next_mark = time.monotonic() + self.server.args.bookmark_interval
        except (BrokenPipeError, ConnectionResetError, OSError):
            how = "client gone"
        finally:
            with self.server.lock:
                self.server.watches -= 1
            self.server.log({"event": "watch-end", "conn": self.conn_id, "path": urllib.parse.urlsplit(self.path).path,
                             "how": how})

    def write_chunk(self, event):
        data = json.dumps(event).encode() + b"\n"   # the API server writes one object per line
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.server.sent(len(data))

    def end_chunks(self, how):
        self.wfile.write(b"0\r\n\r\n")

    def send_list(self, res, items, query, list_rv, endless=False):
        kind, api_version = RESOURCES[res]
        start = 0
        if "continue" in query:
            try:
                start = int(base64.urlsafe_b64decode(query["continue"][0]).decode())
            except Exception:
                return self.send_status(400, "invalid continue token")
        limit = int(query.get("limit", ["0"])[0] or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        page = []
        for o in items[start:end]:
            o = dict(o)
            o.pop("kind", None)  # list items from the API carry no kind/apiVersion
            o.pop("apiVersion", None)
            page.append(o)
        meta = {"resourceVersion": list_rv}
        if end < len(items) or endless:
            meta["continue"] = base64.urlsafe_b64encode(str(max(end, start + 1)).encode()).decode()
        self.send_json(200, {"kind": kind + "List", "apiVersion": api_version, "metadata": meta, "items": page})

    def fault(self, path, query):
        with self.server.lock:
            spec = self.server.faults.get(path)
            if spec is None:
                return False
            if spec == "endless-continue":
                return False  # send_list never ends the list
            left = self.server.fault_times.get(path, -1)
            if left == 0:
                return False
            if left > 0:
                self.server.fault_times[path] = left - 1
        if spec.startswith("gone-on-continue"):
            if "continue" not in query:
                return False
            with self.server.lock:
                left = self.server.gone_left.get(path)
                if left is None:
                    arg = spec.partition(":")[2] or "1"
                    left = -1 if arg == "always" else int(arg)
                if left == 0:
                    return False
                self.server.gone_left[path] = left - 1 if left > 0 else -1
            self.send_status(410, "The provided continue parameter is too old to display a consistent list "
                                  "result. You can start a new list without the continue parameter.")
            return True
        if spec.startswith("slow:"):
            time.sleep(float(spec.split(":", 1)[1]))
            return False
        if spec.startswith(("trickle:", "stall:")):
            kind, _, seconds = spec.partition(":")
            self.pacing = (kind, float(seconds))
            return False
        if spec == "garbage":
            self.send_json(200, None, raw=b"<html>this is not JSON</html>")
            return True
        if spec == "truncate":
            self.send_json(200, None, raw=b'{"kind":"List","items":[{"metadata":', content_length=4096)
            self.close_connection = True
            return True
        if spec.startswith("body:"):
            with open(spec.split(":", 1)[1], "rb") as f:
                self.send_json(200, None, raw=f.read())
            return True
        if spec == "truncate-json":
            self.send_json(200, None, raw=b'{"kind":"List","items":[{"metadata":{"name":"x"')
            return True
        code = int(spec.split(":", 1)[0])
        msg = spec.split(":", 1)[1] if ":" in spec else None
        if code == 403 and msg is None:
            msg = forbidden_message(path)
        self.send_status(code, msg)
        return True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args, store, api):
        super().__init__(("127.0.0.1", args.port), Handler)
        self.args = args
        self.store = store
        self.lock = threading.Lock()
        self.conns = 0
        self.gone_left = {}
        self.fail_on = set(api.get("failOn") or [])
        self.find_not = set(api.get("findNot") or [])
        store.crd = not api.get("disableRouteGroups")
        self.faults = {}
        self.fault_times = {}      # path -> how many more requests fail (-1: all); /_control/fault
        self.requests = 0          # API requests answered (not /_control)
        self.bytes_sent = 0        # response body bytes sent (lists, objects, watch events)
        self.watches = 0           # watch streams open
        for f in args.fault:
            path, _, spec = f.rpartition("=")
            self.faults[path] = spec
        self.logf = open(args.log, "a") if args.log else None

    def handle_error(self, request, client_address):
        pass  # clients that time out or fail TLS are part of the tests, not server errors

    def sent(self, n):
        with self.lock:
            self.bytes_sent += n

    def next_conn(self):
        with self.lock:
            self.conns += 1
            n = self.conns
        self.log({"event": "connect", "conn": n})
        return n

    def log(self, rec):
        if self.logf:
            with self.lock:
                self.logf.write(json.dumps(rec, sort_keys=True) + "\n")
                self.logf.flush()

    def accepted_token(self):
        if self.args.token is not None:
            return self.args.token
        if self.args.token_file:
            with open(self.args.token_file) as f:
                return f.read().strip()
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fixtures", action="append", default=[], help="fixture file or directory (repeatable)")
    p.add_argument("--set", action="append", default=[], help="NAME=PATH: PATH's objects under /sets/NAME (repeatable)")
    p.add_argument("--api", help="skipper .api file: failOn, findNot, disableRouteGroups")
    p.add_argument("--fault", action="append", default=[], help="PATH=SPEC (repeatable)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--token", help="accept only this bearer token")
    p.add_argument("--token-file", help="accept only the bearer token in this file (read per request)")
    p.add_argument("--token-write-on-401", help="after a 401, write the accepted token to this file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--client-ca", help="require client certificates signed by this CA")
    p.add_argument("--lifetime", type=float, default=300, help="stop after this many seconds")
    p.add_argument("--bookmark-interval", type=float, default=60,
                   help="seconds between BOOKMARK events of watches that allow them")
    args = p.parse_args()

    store = Store()
    sets = {}
    try:
        for path in args.fixtures:
            for f in fixture_files(path):
                for d in load_documents(f):
                    store.add(d, f)
        for spec in args.set:
            name, _, path = spec.partition("=")
            sets[name] = Store()
            for f in fixture_files(path):
                for d in load_documents(f):
                    sets[name].add(d, f)
        api = {}
        if args.api:
            with open(args.api) as f:
                api = yaml.load(f, Loader=FixtureLoader) or {}
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"fake_kube_api: {e}", file=sys.stderr)
        sys.exit(2)

    server = Server(args, store, api)
    server.sets = sets
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    stop = threading.Timer(args.lifetime, server.shutdown)
    stop.daemon = True
    stop.start()
    server.serve_forever()


if __name__ == "__main__":
    main()
