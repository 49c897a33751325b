"""What every browser test shares: Debian's chromium driven by Playwright, the strict CSP the
pages must obey, and the app served by waitress on an ephemeral loopback port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from monitor.accounts.users import create_user
from tests.support.requirements import require
from tests.web.conftest import PASSWORD, make_app
from tests.web.seed import seed_district, seed_heartbeat, seed_more_schools, seed_rollups

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The policy a later change will serve: no inline script or style anywhere. Served here already,
# so a page that needs inline code fails its test (the browser reports the violation).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
SCREENSHOTS = os.environ.get("ICTMON_SCREENSHOT_DIR", "/tmp")


def require_chromium() -> None:
    require(
        os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
        f"needs Debian's chromium at {CHROMIUM}",
    )
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        require(False, "needs the playwright Python package")


@contextmanager
def served(app) -> Iterator[str]:
    """Serve `app` under the strict CSP on 127.0.0.1 and an ephemeral port; yields its base URL."""
    from waitress.server import create_server

    @app.after_request
    def _csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(settings, db):
    require_chromium()

    ids = seed_district(db)
    seed_more_schools(db, ids["core"])
    seed_rollups(db, ids["s02_router"], 300, 7)
    seed_rollups(db, ids["s02_router"], 3600, 30)
    seed_heartbeat(db)
    with db.begin() as s:
        create_user(s, "officer", PASSWORD, display_name="คุณสมชาย ใจดี")

    app = make_app(settings, db, csrf=True)
    app.config["ICTMON_REFRESH_SECONDS"] = 1

    with served(app) as base:
        yield base, ids


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, locale="th-TH", timezone_id="Asia/Bangkok"
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.problems = problems
        try:
            yield page
        finally:
            context.close()
            browser.close()
