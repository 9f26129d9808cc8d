#!/usr/bin/env python3
"""A stand-in Kubernetes API server for routesrv's tests (loopback only).

Serves Kubernetes objects from fixture YAML/JSON files the way the API server does
(spec kubernetes-to-eskip.md §6.4, plus what a real API server adds):
  - GET /api/v1/{services,endpoints,secrets}, /apis/networking.k8s.io/v1/ingresses,
    /apis/zalando.org/v1/routegroups, /apis/discovery.k8s.io/v1/endpointslices,
    optionally under /namespaces/<ns>/, and /<name> for one object;
  - typed list envelopes (IngressList, ...) whose items carry no kind/apiVersion,
    metadata.resourceVersion, and limit/continue paging (honoured for every request,
    also with resourceVersion=0, which real servers may ignore);
  - labelSelector (k=v, k==v, k!=v, k, !k; comma = and);
  - the zalando.org/v1 discovery document (routegroups listed unless disableRouteGroups);
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

PATCH .../namespaces/<ns>/ingresses/<name>/status with Content-Type
application/merge-patch+json applies the JSON merge patch (RFC 7386) to the stored Ingress
(its metadata.resourceVersion goes up, so the next list differs) and answers it; faults
apply to that path too (e.g. --fault /apis/networking.k8s.io/v1/namespaces/default/
ingresses/shop/status=403), and the request's "body" is logged.

Every accepted connection and every request is appended as a JSON line to --log:
  {"event": "connect", "conn": 1}
  {"event": "request", "conn": 1, "method": "GET", "path": ..., "query": {...},
   "headers": {"user-agent": ..., "accept-encoding": ..., "authorization": ...}, "status": 200}
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
    def __init__(self):
        self.objects = {res: [] for res in RESOURCES}

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
        return out


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
        self.record(code)

    def send_status(self, code, message=None):
        reason = REASONS.get(code, "Unknown")
        self.send_json(code, status_body(code, message or reason, reason))

    def do_POST(self):
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
        with self.server.lock:
            items = self.server.store.select("ingresses", m.group(1), m.group(2), "")
            if not items:
                return self.send_status(404, f'ingresses.networking.k8s.io "{m.group(2)}" not found')
            obj = items[0]
            merged = merge_patch(obj, {"status": self.request_body.get("status")})
            obj.clear()
            obj.update(merged)
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(int(meta.get("resourceVersion") or "100") + 1)
            answer = json.loads(json.dumps(obj))
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
        if not self.authorized():
            return self.send_status(401, "Unauthorized")
        if self.fault(path, query):
            return
        if path in self.server.fail_on:
            return self.send_status(500, "injected failure")
        if path in self.server.find_not:
            return self.send_status(404, "the server could not find the requested resource")
        if path == "/apis/zalando.org/v1":
            resources = [] if self.server.disable_routegroups else [
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
        if res == "routegroups" and self.server.disable_routegroups:
            return self.send_status(404, "the server could not find the requested resource")
        selector = query.get("labelSelector", [""])[0]
        items = store.select(res, ns, name, selector)
        if name is not None:
            if not items:
                return self.send_status(404, f'{res} "{name}" not found')
            return self.send_json(200, items[0])
        self.send_list(res, items, query, self.server.faults.get(path) == "endless-continue")

    def send_list(self, res, items, query, endless=False):
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
        meta = {"resourceVersion": "4242"}
        if end < len(items) or endless:
            meta["continue"] = base64.urlsafe_b64encode(str(max(end, start + 1)).encode()).decode()
        self.send_json(200, {"kind": kind + "List", "apiVersion": api_version, "metadata": meta, "items": page})

    def fault(self, path, query):
        spec = self.server.faults.get(path)
        if spec is None:
            return False
        if spec == "endless-continue":
            return False  # send_list never ends the list
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
        self.disable_routegroups = bool(api.get("disableRouteGroups"))
        self.faults = {}
        for f in args.fault:
            path, _, spec = f.rpartition("=")
            self.faults[path] = spec
        self.logf = open(args.log, "a") if args.log else None

    def handle_error(self, request, client_address):
        pass  # clients that time out or fail TLS are part of the tests, not server errors

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
