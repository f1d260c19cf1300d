"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server, with batches run by a real background worker.

How a batch runs here, and why progress is observable:

* The upload page enqueues the run through Django's Tasks API on the **database backend**
  (`django_tasks_db`), exactly as in production; nothing runs inside the request.
* `background_worker.start()` then runs django-tasks-db's own `Worker` loop (the code behind
  `manage.py db_worker`) in a thread of the test process, against the live server's database:
  the committed test database on PostgreSQL, the shared-cache in-memory test database on SQLite.
  It works through the queue and stops when the queue is empty (`--batch` mode).
* Chunks are 5 books and each market lookup of the worker waits 0.35 s (standing in for Keepa's
  latency), so a batch of ~40 books takes a few seconds and the page's htmx polling (every
  second) sees the progress move through intermediate values before 100 %.

SQLite's in-memory test database is shared between connections in shared-cache mode, where a
writer locks whole tables: the web connection reads uncommitted data (`PRAGMA read_uncommitted`)
so the page never waits on the worker's chunk transactions, and the single worker claims its
tasks in an ordinary transaction rather than an EXCLUSIVE one (which would lock the web out).
PostgreSQL needs neither.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from playwright.sync_api import expect

expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).parent / "artifacts"
WORKER_THREAD = "e2e-db-worker"
LOOKUP_DELAY_SECONDS = 0.35


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}. The browser tests drive Debian's Chromium: "
            "install it with `apt-get install -y chromium` (.ci/run does), or point "
            "E2E_CHROMIUM at a Chromium binary. These tests must run, not skip.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module", autouse=True)
def _django_beside_playwright():
    """Playwright's sync API keeps an asyncio loop in this thread, which Django takes for async
    code; the tests' ORM calls (and the database flush between tests) are plain synchronous
    code. Module-wide, so it also covers the teardown of each test."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot():
    """`shot(page, "name")`: a full-page screenshot in tests/e2e/artifacts/name.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


def log_in(page, email: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/batches/")


@pytest.fixture
def paced_market(monkeypatch):
    """The worker's market lookups take a little while, as Keepa's do (demo data is instant)."""
    from analyses.market import service

    real = service.market_service

    def market_service(**kwargs):
        market = real(**kwargs)
        if threading.current_thread().name == WORKER_THREAD:
            fetch = market.fetch

            def slow_fetch(identifiers):
                time.sleep(LOOKUP_DELAY_SECONDS)
                return fetch(identifiers)

            market.fetch = slow_fetch
        return market

    monkeypatch.setattr(service, "market_service", market_service)


class BackgroundWorker:
    """django-tasks-db's worker loop in a thread: runs every queued task, then stops."""

    def __init__(self):
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        assert self.thread is None, "one run per test"
        self.thread = threading.Thread(target=self._run, name=WORKER_THREAD, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        try:
            Worker(
                queue_names=["default"],
                interval=0.1,
                batch=True,  # exit when the queue is empty
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="e2e-worker",
                excluded_queue_names=[],
            ).run()
        except BaseException as exc:  # reported by join()
            self.error = exc
        finally:
            connections.close_all()

    def join(self, timeout: float = 30) -> None:
        if self.thread is None:
            return
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the background worker did not finish"
        if self.error is not None:
            raise self.error

    def failures(self) -> list[str]:
        """Tracebacks of tasks that failed (to explain a batch that never finishes)."""
        from django_tasks_db.models import DBTaskResult

        return [
            f"{result.task_path}: {result.traceback}"
            for result in DBTaskResult.objects.filter(status="FAILED")
        ]


@pytest.fixture
def background_worker(_immediate_tasks, settings, monkeypatch, paced_market, live_server):
    """The database task backend (what `make run` uses) and a worker to start when wanted."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BATCH_CHUNK_SIZE = 5
    settings.BATCH_PARALLEL_TASKS = 1
    settings.MARKET_DATA_SOURCE = "demo"
    if connection.vendor == "sqlite":
        from django_tasks_db.management.commands import db_worker

        monkeypatch.setattr(
            db_worker, "exclusive_transaction", lambda using=None: transaction.atomic(using=using)
        )
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    worker = BackgroundWorker()
    yield worker
    worker.join()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 0")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_settings(settings):
    settings.MARKET_DATA_SOURCE = "demo"
    return settings
