"""The fake Keepa in-process: a `requests` transport adapter that hands requests to the WSGI app.

Demo mode mounts it on the real KeepaClient's session for a fake base URL, so demo data goes
through the same client, wire format (gzip included) and parser as real Keepa data; no socket.
"""

from __future__ import annotations

import io
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from analyses.market.fake.app import FakeKeepa, SimulatedTimeout

DEMO_BASE_URL = "http://keepa-demo.invalid"
DEMO_KEY = "demo-keepa-key"
# Generous, so a demo batch never waits for tokens; the balance still moves, as on a real plan.
DEMO_REFILL_RATE = 5000


class FakeKeepaAdapter(HTTPAdapter):
    """Sends a PreparedRequest straight into a WSGI app and builds a real requests.Response."""

    def __init__(self, app: FakeKeepa):
        super().__init__()
        self.app = app

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method or "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(url.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "fakekeepa.read_timeout": read_timeout,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            environ[key] = value
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"] = status
            captured["headers"] = headers

        try:
            chunks = self.app(environ, start_response)
        except SimulatedTimeout:
            raise requests.ReadTimeout(
                "fake Keepa did not answer in time", request=request
            ) from None
        payload = b"".join(chunks)
        code, _, reason = captured["status"].partition(" ")
        raw = HTTPResponse(
            body=io.BytesIO(payload),
            headers=captured["headers"],
            status=int(code),
            reason=reason,
            preload_content=False,
            decode_content=True,
            request_method=request.method,
        )
        return self.build_response(request, raw)


def mount_fake(session: requests.Session, app: FakeKeepa, base_url: str = DEMO_BASE_URL) -> None:
    session.mount(base_url, FakeKeepaAdapter(app))


_demo_lock = threading.Lock()
_demo_app: FakeKeepa | None = None


def demo_fake() -> FakeKeepa:
    """The process-wide fake behind demo mode (one token balance per process)."""
    global _demo_app
    with _demo_lock:
        if _demo_app is None:
            _demo_app = FakeKeepa(valid_keys=[DEMO_KEY], refill_rate=DEMO_REFILL_RATE)
        return _demo_app
