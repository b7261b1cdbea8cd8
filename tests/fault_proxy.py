"""A fault-injecting HTTP proxy on 127.0.0.1, between a kiosk and the central service.

Each request gets the next fault from a seeded schedule: pass it through, answer 500 or 503 without
forwarding, forward it and then drop the connection (the server has committed; the kiosk never
hears), forward it and stall past the client's timeout, forward it and cut the response short, or
forward it twice. One request per connection, so every fault is a clean TCP event.
"""

from __future__ import annotations

import http.client
import random
import socket
import socketserver
import threading
import time
from collections import Counter

FAULTS = ("pass", "error_500", "busy_503", "drop_after_commit", "timeout_after_commit", "truncated", "duplicate")


class FaultProxy:
    """Forward HTTP/1.1 requests to ``upstream`` (host, port), injecting faults with the given weights."""

    def __init__(self, upstream: tuple[str, int], weights: dict[str, float], seed: int = 0, stall_s: float = 1.5,
                 max_stalls: int = 3):
        self.upstream, self.stall_s, self.max_stalls = upstream, stall_s, max_stalls
        self.rng = random.Random(seed)
        self.kinds, self.weights = zip(*weights.items())
        self.seen: Counter = Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _choose(self) -> str:
        with self._lock:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            if kind == "timeout_after_commit" and self.seen[kind] >= self.max_stalls:
                kind = "drop_after_commit"
            self.seen[kind] += 1
            return kind

    def _forward(self, method: str, path: str, headers: dict, body: bytes) -> bytes:
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        head = f"HTTP/1.1 {resp.status} {resp.reason}\r\n"
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                head += f"{k}: {v}\r\n"
        conn.close()
        return (head + "Connection: close\r\n\r\n").encode("latin-1") + data

    def _handle(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(headers.get("Content-Length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return
            body += chunk
        headers = {k: v for k, v in headers.items() if k.lower() not in ("connection", "host", "accept-encoding")}
        kind = self._choose()
        try:
            if kind == "error_500":
                sock.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!")
            elif kind == "busy_503":
                sock.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
            elif kind == "drop_after_commit":
                self._forward(method, path, headers, body)
            elif kind == "timeout_after_commit":
                response = self._forward(method, path, headers, body)
                time.sleep(self.stall_s)
                sock.sendall(response)
            elif kind == "truncated":
                response = self._forward(method, path, headers, body)
                sock.sendall(response[: len(response) // 2])
            elif kind == "duplicate":
                self._forward(method, path, headers, body)
                sock.sendall(self._forward(method, path, headers, body))
            else:
                sock.sendall(self._forward(method, path, headers, body))
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
