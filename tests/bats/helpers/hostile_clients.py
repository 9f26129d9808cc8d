#!/usr/bin/env python3
"""Hostile clients for routesrv-serve's tests, on 127.0.0.1 only, every wait bounded.

  hostile_clients.py crowd PORT IDLE SLOW SECONDS READY_FILE
      opens IDLE connections that send nothing and SLOW connections that send an
      unfinished request header a byte at a time, writes "ready" to READY_FILE, keeps
      trickling for SECONDS, then prints how many are still open and exits.
  hostile_clients.py pipeline PORT
      sends three requests in one write and prints the status line of each response.
  hostile_clients.py header-deadline PORT SECONDS
      trickles an unfinished header; prints "closed" if the server ends the connection
      within SECONDS, else "open".
  hostile_clients.py limit PORT N
      holds N idle connections, sends a request on one more and prints "answered" or
      "waiting" after 0.5 s, closes the N and prints "answered" if the pending request
      is answered within 5 s.
  hostile_clients.py raw PORT REQUEST
      sends REQUEST (Python escapes such as \\r, \\n, \\x00 are decoded) in one write,
      reads until the server closes (at most 5 s) and prints every status line of the
      answer, then "closed" if the server closed the connection, else "open". A status
      line is a line starting with "HTTP/" at the start of the answer or after a blank
      line, so a doubled header block shows as two.
"""
import socket
import sys
import time


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def crowd(port, idle, slow, seconds, ready_file):
    idle_socks = [connect(port) for _ in range(idle)]
    slow_socks = [connect(port) for _ in range(slow)]
    for s in slow_socks:
        s.sendall(b"GET /routes HTTP/1.1\r\nHost: x\r\n")
    with open(ready_file, "w") as f:
        f.write("ready\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in slow_socks:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        time.sleep(0.2)
    print(len(idle_socks) + len(slow_socks))


def read_all(s, limit=1 << 20):
    data = b""
    s.settimeout(5)
    while len(data) < limit:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        data += d
    return data


def pipeline(port):
    s = connect(port)
    s.sendall(b"GET /routes HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = read_all(s)
    i = 0
    while True:
        i = data.find(b"HTTP/1.1 ", i)
        if i < 0:
            break
        print(data[i:data.find(b"\r\n", i)].decode())
        i += 1


def header_deadline(port, seconds):
    s = connect(port)
    s.sendall(b"GET /routes HTTP/1.1\r\nHost: x\r\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            s.sendall(b"X")
            s.settimeout(0.2)
            if s.recv(1024) == b"":
                print("closed")
                return
        except socket.timeout:
            continue
        except OSError:
            print("closed")
            return
    print("open")


def limit(port, n):
    held = [connect(port) for _ in range(n)]
    time.sleep(0.2)
    extra = connect(port)
    extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    extra.settimeout(0.5)
    try:
        print("answered" if extra.recv(100) else "closed")
    except socket.timeout:
        print("waiting")
    for s in held:
        s.close()
    extra.settimeout(5)
    try:
        print("answered" if extra.recv(100).startswith(b"HTTP/1.1") else "closed")
    except socket.timeout:
        print("waiting")


def raw(port, request):
    s = connect(port)
    s.sendall(request.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    data, closed = b"", False
    s.settimeout(5)
    while len(data) < (1 << 20):
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not d:
            closed = True
            break
        data += d
    for i, line in enumerate(data.split(b"\r\n")):
        if line.startswith(b"HTTP/") and (i == 0 or data.split(b"\r\n")[i - 1] == b""):
            print(line.decode("latin-1"))
    print("closed" if closed else "open")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "crowd":
        crowd(port, int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    elif cmd == "pipeline":
        pipeline(port)
    elif cmd == "header-deadline":
        header_deadline(port, float(sys.argv[3]))
    elif cmd == "limit":
        limit(port, int(sys.argv[3]))
    elif cmd == "raw":
        raw(port, sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
