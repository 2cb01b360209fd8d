"""Raw TCP listeners on 127.0.0.1 for the outbound tests: one that only counts who connected
(a request that must never arrive), one that never answers, one that answers a byte at a time."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any


class Listener:
    """Accepts connections on 127.0.0.1 and hands each to `serve` in a thread."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            self.serve(conn)

    def serve(self, conn: socket.socket) -> None:
        conn.recv(65536)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.sock.close()


class Hang(Listener):
    """Reads the request and never answers (until closed)."""

    def serve(self, conn: socket.socket) -> None:
        conn.recv(65536)
        self.closed.wait(30)


class Drip(Listener):
    """Answers 200 with a body that never ends: one byte every `every_s` seconds."""

    every_s = 0.05

    def serve(self, conn: socket.socket) -> None:
        conn.recv(65536)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            while not self.closed.is_set():
                conn.sendall(b" ")
                time.sleep(self.every_s)
        except OSError:
            pass
