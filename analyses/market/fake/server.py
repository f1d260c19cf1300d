"""Serving the fake Keepa over real HTTP: a background thread for tests, a process for benchmarks.

    python -m analyses.market.fake.server --port 8765 [--latency-ms N] [--refill-rate N]
        [--tokens N] [--key K ...] [--workers N] [--now 2026-11-23T00:00:00+00:00]

Tests: `with FakeKeepaServer() as server: KeepaClient(DEFAULT_KEY, base_url=server.url)`;
`server.app` is the FakeKeepa whose switches make it misbehave.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from analyses.market.fake.app import DEFAULT_KEY, FakeKeepa


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn): slow or hanging offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class FakeKeepaServer:
    """The fake on a free loopback port, served from a daemon thread."""

    def __init__(
        self,
        app: FakeKeepa | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **app_options: Any,
    ):
        self.app = app or FakeKeepa(**app_options)
        self._server = _ThreadingWSGIServer((host, port), _QuietHandler)
        self._server.set_app(self.app)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> FakeKeepaServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"fake-keepa:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeKeepaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running_fake_keepa(**options: Any) -> Iterator[FakeKeepaServer]:
    """`with running_fake_keepa(refill_rate=100) as server: ...` (options go to FakeKeepa)."""
    with FakeKeepaServer(**options) as server:
        yield server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fake Keepa API for benchmarks and local runs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--refill-rate", type=int, default=20, help="tokens per minute")
    parser.add_argument("--tokens", type=int, default=None, help="starting balance (default: full)")
    parser.add_argument("--key", action="append", help=f"valid key (default {DEFAULT_KEY})")
    parser.add_argument("--now", default=None, help="pin the time line (ISO 8601)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the port (each has its own token bucket and cache)",
    )
    args = parser.parse_args(argv)
    app_options = {
        "valid_keys": args.key or [DEFAULT_KEY],
        "refill_rate": args.refill_rate,
        "tokens": args.tokens,
        "now": datetime.fromisoformat(args.now) if args.now else None,
    }
    server = _ThreadingWSGIServer((args.host, args.port), _QuietHandler)
    children: list[int] = []
    for _ in range(max(1, args.workers) - 1):
        pid = os.fork()
        if pid == 0:  # a worker: serve the inherited socket until killed
            _serve(server, app_options, args.latency_ms)
            os._exit(0)
        children.append(pid)

    def _stop(signum: int, frame: Any) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(
        f"fake Keepa on http://{args.host}:{server.server_port} "
        f"(refill {args.refill_rate}/min, latency {args.latency_ms} ms, "
        f"{max(1, args.workers)} worker(s))",
        file=sys.stderr,
        flush=True,
    )
    _serve(server, app_options, args.latency_ms)
    return 0


def _serve(server: _ThreadingWSGIServer, app_options: dict[str, Any], latency_ms: float) -> None:
    app = FakeKeepa(**app_options)
    app.set_latency(latency_ms)
    server.set_app(app)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    raise SystemExit(main())
