#!/usr/bin/env python3
"""tests/soak/soak.py: drives routesrv-serve through many poll cycles that each see a change.

The cluster path given to serve (-kubernetes-manifests) is a symlink that this driver flips
between two clusters (files or directories) after every cycle (the moment serve logs the cycle's outcome), so
almost every cycle reads, compiles and publishes a new table. Between cycles it also asks
for the table (plain, gzip and a 304) so snapshots are referenced by requests while they
are replaced. Serve's stderr goes to a file that the driver follows.

  soak.py rss BIN A B WORKDIR CYCLES WARMUP LIMIT_PERCENT
      samples VmRSS of serve between cycles (after a few cycles without a change) at cycle
      WARMUP and at cycle CYCLES (and every 100 cycles for the record); fails when the last
      sample exceeds the warm-up one by more than LIMIT_PERCENT.
  soak.py valgrind BIN A B WORKDIR CYCLES
      runs serve under valgrind (--leak-check=full --error-exitcode=1) for CYCLES cycles,
      then SIGTERM (-wait-for-healthcheck-interval 0s); fails unless valgrind exits 0.

Everything listens on 127.0.0.1. Exit status 0 ok, 1 failed, 2 usage.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CYCLE_END = re.compile(r'msg="(routes updated|routes did not change|failed to fetch routes|received empty routes; ignoring)"')
UPDATED = 'msg="routes updated"'


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def flip(link, target):
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def request(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers.get("Etag"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Etag"), b""


def exercise(url):
    status, tag, _ = request(url + "/routes")
    if status != 200:
        raise RuntimeError(f"GET /routes: {status}")
    request(url + "/routes", {"Accept-Encoding": "gzip"})
    request(url + "/routes/eu-central-1a")
    status, _, _ = request(url + "/routes", {"If-None-Match": tag})


class Serve:
    def __init__(self, argv, workdir, a, b, wrap=None, extra=()):
        self.workdir = workdir
        self.link = os.path.join(workdir, "cluster")
        self.a, self.b = os.path.abspath(a), os.path.abspath(b)
        flip(self.link, self.a)
        self.current = self.a
        port, support = free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(workdir, "serve.log")
        self.log = open(self.log_path, "w")
        cmd = (wrap or []) + [argv, "-kubernetes-manifests", self.link, *extra,
                              "-address", f"127.0.0.1:{port}", "-support-listener", f"127.0.0.1:{support}",
                              "-source-poll-timeout", "10", "-wait-for-healthcheck-interval", "0s",
                              # the symlink is flipped atomically: no settle interval needed
                              "-source-settle-interval", "0"]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.reader = open(self.log_path)
        self.cycles = 0
        self.updates = 0
        self.partial = ""

    def wait_cycle(self, timeout):
        """Waits for the next cycle end in the log; returns False on timeout or exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = self.reader.read()
            if chunk:
                self.partial += chunk
                *lines, self.partial = self.partial.split("\n")
                ended = False
                for line in lines:
                    if "failed to fetch routes" in line:
                        raise RuntimeError("a cycle failed: " + line)
                    if CYCLE_END.search(line):
                        self.cycles += 1
                        ended = True
                    if UPDATED in line:
                        self.updates += 1
                if ended:
                    return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.002)
        return False

    def cycle(self, timeout=60, flip_after=True):
        if not self.wait_cycle(timeout):
            raise RuntimeError(f"no cycle end within {timeout}s (cycle {self.cycles})")
        if flip_after:
            self.current = self.b if self.current == self.a else self.a
            flip(self.link, self.current)

    def quiet_rss(self):
        """VmRSS between cycles: three cycles without a flip (the last two find nothing
        changed and parse nothing), then a sample; the memory the process keeps."""
        for _ in range(3):
            self.cycle(flip_after=False)
        kb = rss_kb(self.proc.pid)
        self.current = self.b if self.current == self.a else self.a
        flip(self.link, self.current)
        return kb

    def stop(self, sig=signal.SIGTERM, timeout=120):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def run_rss(binary, a, b, workdir, cycles, warmup, limit):
    s = Serve(binary, workdir, a, b, extra=["-enable-kubernetes-endpointslices"])   # zones from the slices
    try:
        warm = None
        samples = []
        checkpoint = 100
        while s.cycles < cycles:
            s.cycle()
            if s.cycles % 10 == 0:
                exercise(s.url)
            if warm is None and s.cycles >= warmup:
                warm = s.quiet_rss()
                samples.append((s.cycles, warm))
            elif s.cycles >= checkpoint and s.cycles < cycles:
                samples.append((s.cycles, s.quiet_rss()))
            while checkpoint <= s.cycles:
                checkpoint += 100
        last = s.quiet_rss()
        samples.append((s.cycles, last))
        peak = hwm_kb(s.proc.pid)
    finally:
        rc = s.stop(signal.SIGINT)
    growth = (last - warm) * 100.0 / warm
    print("rss      " + "  ".join(f"{c}:{kb / 1024:.1f}" for c, kb in samples) + "  (cycle:MiB)")
    print(f"rss      cycle {samples[0][0]} {warm / 1024:.1f} MiB, cycle {s.cycles} {last / 1024:.1f} MiB: {growth:+.1f} % "
          f"(limit +{limit} %); peak {peak / 1024:.1f} MiB; {s.updates} of {s.cycles} cycles published a new table")
    if rc != 0:
        print(f"soak: routesrv-serve exited {rc}", file=sys.stderr)
        return 1
    if s.updates < s.cycles // 2:
        print("soak: fewer than half the cycles saw a change", file=sys.stderr)
        return 1
    return 0 if growth <= limit else 1


def run_valgrind(binary, a, b, workdir, cycles):
    vlog = os.path.join(workdir, "valgrind.log")
    wrap = ["valgrind", "--leak-check=full", "--error-exitcode=1", "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect", f"--log-file={vlog}"]
    s = Serve(binary, workdir, a, b, wrap)
    try:
        while s.cycles < cycles:
            s.cycle(timeout=300)
            if s.cycles % 5 == 0:
                exercise(s.url)
    finally:
        rc = s.stop(signal.SIGTERM, timeout=300)
    with open(vlog) as f:
        text = f.read()
    summary = [l.split("== ", 1)[-1] for l in text.splitlines()
               if "ERROR SUMMARY" in l or "definitely lost" in l or "indirectly lost" in l]
    print(f"valgrind {s.cycles} cycles ({s.updates} updates), SIGTERM: exit {rc}; " + "; ".join(summary))
    if rc != 0:
        print(text[-6000:], file=sys.stderr)
        return 1
    if s.updates < s.cycles // 2:
        print("soak: fewer than half the cycles saw a change", file=sys.stderr)
        return 1
    return 0


def main():
    if len(sys.argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    mode, binary, a, b, workdir, cycles = sys.argv[1:7]
    if mode == "rss" and len(sys.argv) == 9:
        return run_rss(binary, a, b, workdir, int(cycles), int(sys.argv[7]), float(sys.argv[8]))
    if mode == "valgrind":
        return run_valgrind(binary, a, b, workdir, int(cycles))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
