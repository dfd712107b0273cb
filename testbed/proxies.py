"""TCP proxies on loopback: one forwarding core, used as a far-away server and as a TLS front.

:class:`LatencyProxy` holds each client-to-server chunk for a fixed delay. A simulated vCenter on
127.0.0.1 answers a call in well under a millisecond, so the cost of a round trip disappears from a
benchmark; in a data centre each SOAP call costs a network round trip and the server's own per-call
work. Delaying each chunk the client sends (a request is usually one chunk; a large one a few, which
only penalises batched calls) makes round trips cost what they would across a network. TLS passes
through untouched.

:class:`TlsProxy` terminates TLS with a given certificate and forwards the plain bytes, for a server
under test that speaks only plain HTTP (noida-db) while the client's TLS settings (CA bundle,
certificate verification) must meet a real handshake.

Both listen on a free 127.0.0.1 port and run as threads in the calling process.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from types import TracebackType

from testbed.certificates import Certificates


class ForwardingProxy:
    """Accepts on 127.0.0.1:<port> and forwards each connection to ``target``.

    ``delay`` seconds are spent before each client-to-server chunk; with ``tls`` the client side is a
    TLS server using that context (a client refusing the certificate just has its connection closed).
    """

    def __init__(self, target: tuple[str, int], *, delay: float = 0.0, tls: ssl.SSLContext | None = None,
                 name: str = "proxy") -> None:
        self.target, self.delay, self._tls = target, delay, tls
        self._listener = socket.create_server(("127.0.0.1", 0))  # bound here: no window for another taker
        self._listener.settimeout(0.2)  # the accept loop checks for close() this often
        self.port: int = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name=name, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        client: socket.socket = raw
        if self._tls is not None:
            try:
                client = self._tls.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()  # the client refused our certificate: that is what some tests want to see
                return
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        pair = (client, upstream)
        for s in pair:
            with contextlib.suppress(OSError):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sockets.update(pair)
        back = threading.Thread(target=_pump, args=(upstream, client, 0.0), daemon=True)
        back.start()
        _pump(client, upstream, self.delay)
        back.join(timeout=5)
        with self._lock:
            self._sockets.difference_update(pair)
        for s in pair:
            with contextlib.suppress(OSError):
                s.close()

    def close(self) -> None:
        """Stop accepting and cut the connections still open."""
        self._closing.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            open_sockets, self._sockets = list(self._sockets), set()
        for s in open_sockets:
            with contextlib.suppress(OSError):
                s.close()
        self._thread.join(timeout=5)

    stop = close

    def __enter__(self) -> ForwardingProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _pump(source: socket.socket, sink: socket.socket, delay: float) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            if delay:
                time.sleep(delay)
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


class LatencyProxy(ForwardingProxy):
    """Forwards to ``target`` with ``delay`` seconds before each chunk the client sends."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        super().__init__(target, delay=delay, name="latency-proxy")


class TlsProxy(ForwardingProxy):
    """Accepts TLS on 127.0.0.1:<port> and forwards the plain bytes to 127.0.0.1:<upstream_port>."""

    def __init__(self, certificates: Certificates, upstream_port: int) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates.cert, certificates.key)
        super().__init__(("127.0.0.1", upstream_port), tls=context, name="tls-proxy")
        self.upstream_port = upstream_port
        self.url = f"https://127.0.0.1:{self.port}"
