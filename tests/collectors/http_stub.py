"""A loopback HTTP server for answers a real server cannot be made to give on demand (a chosen
status, recorded headers, a relay in between), started on a free port and shut down after use."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output free of its access log."""

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """The port of a threaded loopback server answering with ``handler`` while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung server): reads time out."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=64)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
