"""A TCP proxy that holds each client-to-server chunk for a fixed delay: a far-away server on loopback.

A simulated vCenter on 127.0.0.1 answers a call in well under a millisecond, so the cost of a round
trip disappears from a benchmark. In a data centre each SOAP call to a vCenter costs a network round
trip and the server's own per-call work (a QueryPerf on historical statistics reads its database).
The proxy adds ``delay`` before forwarding each chunk the client sends (a request is usually one
chunk; a large one a few, which only penalises batched calls), so round trips cost what they would
across a network. TLS passes through untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class LatencyProxy:
    """Listens on a free 127.0.0.1 port and forwards to ``target`` with ``delay`` seconds per chunk."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="latency-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, self.delay), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, 0.0), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, delay: float) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if delay:
                    time.sleep(delay)
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closing.set()
        self._listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()

    def __enter__(self) -> LatencyProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
