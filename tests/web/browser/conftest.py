"""Browser tests: Debian's Chromium driven by Playwright against a live server.

What the fixtures give a test:

- ``live_server``: ``create_app(settings)`` served by uvicorn on a free port in a
  background thread, on a fresh SQLite database (``BROWSER_TEST_DATABASE=postgres``
  runs it on PostgreSQL). Pages are browsed at ``http://localhost:PORT`` while the
  server listens on 127.0.0.1, as the relying-party rules of FORMATS §9 allow.
- ``browser``: Chromium from ``debian_tool("chromium", "chromium")`` launched by
  Playwright with ``executable_path``: nothing is downloaded.
- ``portal``: opens contexts and pages with generous timeouts, collects console
  errors of every page it opened (a test fails on any that it did not expect),
  and ``portal.signed_in_context(role, **scope)`` opens a context whose cookie is
  a fresh session from ``tests.factories.portal_cookie``.
- ``virtual_authenticator(page)``: a CTAP2 platform authenticator with resident
  keys and user verification, through the CDP ``WebAuthn`` domain.
- ``axe_check(page)``: injects axe-core (the npm package, installed into a cache
  folder when missing) and fails on any serious or critical violation.

Under ``CI=true`` a missing browser or axe-core fails the run; elsewhere it skips.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import (  # noqa: E402 - the environment must be set first
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from marketguard.config import Settings  # noqa: E402
from tests.debian_tools import debian_tool  # noqa: E402

# A loaded 2-core machine renders slowly: wait generously for elements, never sleep.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)

AXE_CACHE = Path(os.environ.get("AXE_CORE_CACHE", Path.home() / ".cache" / "marketguard-axe"))
AXE_FILE = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(message: str) -> None:
    if _ci():
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser`` (deselect them with ``-m 'not browser'``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# ---------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (installed with apt-get when missing and running as root)."""
    return debian_tool("chromium", "chromium")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    args = ["--disable-dev-shm-usage", "--disable-gpu"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    try:
        launched = playwright_driver.chromium.launch(
            executable_path=chromium_path, headless=True, args=args, timeout=120_000
        )
    except Error as exc:
        _unavailable(f"Chromium at {chromium_path} did not start: {exc}")
        raise
    yield launched
    launched.close()


# ---------------------------------------------------------------------------
# The live server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """A running app: its settings (for the database) and the address to browse."""

    settings: Settings
    port: int
    url: str
    app: Any = None

    def use_settings(self, **changes: Any) -> Settings:
        """Change settings of the running app (e.g. a lower sign-in failure limit)."""
        self.settings = self.settings.model_copy(update=changes)
        self.app.state.settings = self.settings
        return self.settings

    def at(self, path: str) -> str:
        return self.url + path


class _ServerThread(threading.Thread):
    def __init__(self, app: Any, port: int) -> None:
        super().__init__(daemon=True, name=f"live-server-{port}")
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.server.run()

    def start_and_wait(self) -> None:
        self.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=30)


def serve(app: Any) -> tuple[int, _ServerThread]:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread."""
    port = free_port()
    thread = _ServerThread(app, port)
    thread.start_and_wait()
    return port, thread


@pytest.fixture
def live_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for the live server: SQLite, or PostgreSQL when asked."""
    from marketguard import db
    from marketguard.dataguard import alerts
    from marketguard.models import Base
    from tests.conftest import _reset_postgres, start_audit_log

    alerts.reset_evaluators()
    if os.environ.get("BROWSER_TEST_DATABASE", "sqlite") == "postgres":
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(url)
        start_audit_log(url, tmp_path)
        yield url
        return
    url = f"sqlite:///{tmp_path / 'live.db'}"
    Base.metadata.create_all(db.get_engine(url))
    start_audit_log(url, tmp_path)
    yield url
    db.get_engine(url).dispose()


@pytest.fixture
def live_settings(live_database_url: str, tmp_path: Path) -> Settings:
    from tests.conftest import make_settings

    return make_settings(live_database_url, tmp_path)


@pytest.fixture
def live_server(live_settings: Settings) -> Iterator[LiveServer]:
    """The whole app, portal and API, answering on ``http://localhost:PORT``."""
    from marketguard.app import create_app

    app = create_app(live_settings)
    port, thread = serve(app)
    try:
        yield LiveServer(settings=live_settings, port=port, url=f"http://localhost:{port}",
                         app=app)
    finally:
        thread.stop()


# ---------------------------------------------------------------------------
# Pages, console errors and signed-in contexts


@dataclass
class ConsoleErrors:
    """Console errors and uncaught exceptions of every page a test opened."""

    seen: list[str] = field(default_factory=list)
    # Chromium asks for /favicon.ico on its own; its 404 is no page's error.
    allowed: list[re.Pattern[str]] = field(
        default_factory=lambda: [re.compile(r"status of 404 .*/favicon\.ico\)$")]
    )

    def allow(self, pattern: str) -> None:
        """Expect errors matching ``pattern`` (e.g. the 403 a test provokes on purpose)."""
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                where = message.location.get("url", "") if message.location else ""
                self.seen.append(f"{message.text} (at {where or page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.seen.append(f"uncaught: {exc} (at {page.url})"))

    def unexpected(self) -> list[str]:
        return [m for m in self.seen if not any(p.search(m) for p in self.allowed)]


class Portal:
    """Opens browser contexts and pages on the live server, watching their consoles."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.console = ConsoleErrors()
        self._contexts: list[BrowserContext] = []
        self._people = 0

    def context(self, **options: Any) -> BrowserContext:
        """A fresh browser context (its own cookies) with generous timeouts."""
        options.setdefault("base_url", self.server.url)
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS * 2)
        context.on("page", self.console.watch)
        self._contexts.append(context)
        return context

    def page(self, context: BrowserContext | None = None) -> Page:
        """A new page (in a new context unless given one) whose console is watched."""
        return (context or self.context()).new_page()

    def signed_in_context(self, role: str, **scope: str | None) -> BrowserContext:
        """A context holding the session cookie of a new person of ``role`` and scope."""
        from marketguard.web.guard import SESSION_COOKIE
        from tests.factories import portal_cookie

        self._people += 1
        email = scope.pop("email", None) or f"{role}-{self._people}@example.com"
        cookie = portal_cookie(self.server.settings, role, email=email, **scope)
        context = self.context()
        context.add_cookies([{"name": SESSION_COOKIE, "value": cookie[SESSION_COOKIE],
                              "url": self.server.url, "httpOnly": True, "sameSite": "Lax"}])
        return context

    def signed_in_page(self, role: str, **scope: str | None) -> Page:
        """A page in a new context signed in as a new person of ``role``."""
        return self.page(self.signed_in_context(role, **scope))

    def close(self) -> None:
        for context in self._contexts:
            try:
                context.close()
            except Error:  # the browser already closed it
                pass


@pytest.fixture
def portal(browser: Browser, live_server: LiveServer) -> Iterator[Portal]:
    """Browser contexts on the live server; fails the test on an unexpected console error."""
    opened = Portal(browser, live_server)
    try:
        yield opened
    finally:
        opened.close()
    errors = opened.console.unexpected()
    if errors:
        pytest.fail("console errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def signed_in_context(portal: Portal) -> Callable[..., BrowserContext]:
    """``signed_in_context(role, brand_id=…, seller_id=…, dataset=…)`` -> BrowserContext."""
    return portal.signed_in_context


# ---------------------------------------------------------------------------
# WebAuthn: Chromium's virtual authenticator


@dataclass
class VirtualAuthenticator:
    """A platform passkey authenticator living in one page (CDP ``WebAuthn`` domain)."""

    cdp: CDPSession
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        answer = self.cdp.send("WebAuthn.getCredentials",
                               {"authenticatorId": self.authenticator_id})
        return list(answer["credentials"])

    def remove(self) -> None:
        """Take the authenticator away (as if the device were lost)."""
        self.cdp.send("WebAuthn.removeVirtualAuthenticator",
                      {"authenticatorId": self.authenticator_id})

    def set_user_verified(self, verified: bool) -> None:
        """Make the next ceremonies pass (True) or fail (False) user verification."""
        self.cdp.send("WebAuthn.setUserVerified",
                      {"authenticatorId": self.authenticator_id, "isUserVerified": verified})

    def add_credential(self, credential: dict[str, Any]) -> None:
        """Copy a credential in (e.g. one taken from another page's authenticator)."""
        self.cdp.send("WebAuthn.addCredential",
                      {"authenticatorId": self.authenticator_id, "credential": credential})

    def clear(self) -> None:
        self.cdp.send("WebAuthn.clearCredentials", {"authenticatorId": self.authenticator_id})


def add_virtual_authenticator(page: Page) -> VirtualAuthenticator:
    """Attach a CTAP2 internal authenticator with resident keys and user verification."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    answer = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})
    return VirtualAuthenticator(cdp=cdp, authenticator_id=answer["authenticatorId"])


@pytest.fixture
def virtual_authenticator() -> Callable[[Page], VirtualAuthenticator]:
    """``virtual_authenticator(page)`` -> VirtualAuthenticator attached to that page."""
    return add_virtual_authenticator


# ---------------------------------------------------------------------------
# Accessibility: axe-core


def _install_axe() -> str | None:
    """Install the npm package into the cache folder; return why it failed, or None."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    AXE_CACHE.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
                        str(AXE_CACHE), "axe-core"], check=True, capture_output=True,
                       timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return f"npm install axe-core failed: {detail.decode(errors='replace')[-300:]}"
    return None if AXE_FILE.exists() else f"npm installed no {AXE_FILE}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The text of axe.min.js (installed with npm into the cache folder when missing)."""
    if not AXE_FILE.exists():
        problem = _install_axe()
        if problem:
            _unavailable(f"axe-core is missing: {problem}")
    return AXE_FILE.read_text(encoding="utf-8")


def run_axe(page: Page, source: str) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page as it is now."""
    page.wait_for_load_state("load")
    # evaluate() goes through the DevTools protocol: a Content-Security-Policy does not block it.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source + "\n;true")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])]
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                     f"at {'; '.join(targets[:5])}")
    return "\n".join(lines)


@pytest.fixture
def axe_check(axe_source: str) -> Callable[[Page], None]:
    """``axe_check(page)``: fail on any serious or critical accessibility violation."""

    def check(page: Page) -> None:
        violations = run_axe(page, axe_source)
        assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"

    return check


# ---------------------------------------------------------------------------
# The command line, against the live server's database


def run_cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``marketguard …`` on the live server's database, with its portal URL."""
    import sys

    settings = server.settings
    environment = {
        **os.environ,
        "MARKETGUARD_ENVIRONMENT": settings.environment,
        "MARKETGUARD_DATABASE_URL": settings.database_url,
        "MARKETGUARD_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(settings.audit_checkpoint_path),
        "MARKETGUARD_DATA_DIR": str(settings.data_dir),
        "MARKETGUARD_PORTAL_URL": server.url,
        "COLUMNS": "200",
    }
    return subprocess.run([sys.executable, "-m", "marketguard.cli", *args], capture_output=True,
                          text=True, env=environment, timeout=120)


@pytest.fixture
def invite(live_server: LiveServer) -> Callable[..., str]:
    """``invite(email, role, *options)``: the enrolment URL ``marketguard user invite`` printed."""

    def make(email: str, role: str, *options: str) -> str:
        result = run_cli(live_server, "user", "invite", "--email", email, "--role", role,
                         *options)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    return make
