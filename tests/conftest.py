"""Shared fixtures: the app on a temporary database, a client, an auth helper, a live server."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app, demo
from app.clock import FakeClock
from app.db import connect, migrate

from .factories import CHEAP_HASH

ROOT = Path(__file__).resolve().parent.parent
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def clock() -> FakeClock:
    """A clock that stands still until the test moves it."""
    return FakeClock()


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory) -> Path:
    """A migrated database with the demo organisation, made once and copied for each test.

    The demo passwords are hashed cheaply, as every password in the test suite is.
    """
    path = tmp_path_factory.mktemp("template") / "veilig-op-pad.sqlite"
    db = connect(str(path))
    migrate(db)
    demo.seed(db, hash_method=CHEAP_HASH)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


@pytest.fixture
def app(tmp_path, monkeypatch, clock, seeded_database):
    """The app on a fresh copy of the migrated, seeded database."""
    monkeypatch.setenv("VOP_DATA_DIR", str(tmp_path))
    shutil.copyfile(seeded_database, tmp_path / "veilig-op-pad.sqlite")
    application = create_app(
        {
            "TESTING": True,
            "CLOCK": clock,
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
        }
    )
    yield application


@pytest.fixture
def db(app):
    """A connection to the test database, for asserting what was stored."""
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.conn.close()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


def csrf_token(client, path: str = "/offline") -> str:
    """Read the CSRF token from a page's <meta name="csrf-token">."""
    match = CSRF_META.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, username: str = "demo-medewerker", password: str = demo.DEMO_PASSWORD):
        """Sign in; for a user with a second factor, also type the current code."""
        token = csrf_token(self._client)
        response = self._client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        if response.headers.get("Location") == "/login/tweede-stap":
            response = self._client.post(
                "/login/tweede-stap",
                data={"code": self.current_code(username), "csrf_token": csrf_token(self._client)},
            )
        return response

    def current_code(self, username: str) -> str:
        """Return the user's TOTP code now (the test clock stands still, so the step a
        previous login spent is forgotten first: a real user's next login is later)."""
        import pyotp

        from app.clock import now

        db = connect(self._client.application.config["DATABASE"])
        try:
            db.execute("update users set totp_last_step = null where username = ?", [username])
            secret = db.execute(
                "select totp_secret from users where username = ?", [username]
            ).fetchone()[0]
        finally:
            db.conn.close()
        with self._client.application.app_context():
            return pyotp.TOTP(secret).at(now())

    def logout(self):
        """Sign out, past the warning a running visit gives (the user confirmed it)."""
        token = csrf_token(self._client)
        return self._client.post("/logout", data={"csrf_token": token, "confirm": "1"})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, as the browser would."""
        token = csrf_token(self._client)
        return self._client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def auth(client) -> AuthActions:
    """Log the test client in and out."""
    return AuthActions(client)


@pytest.fixture
def make_client(app):
    """Make further clients (other browsers, other users) for the same app."""

    def make():
        new = app.test_client()
        return new, AuthActions(new)

    return make


# --- the real app in a subprocess, for browser tests -------------------------------------


def find_free_port() -> int:
    """Ask the OS for a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_in(url: str, username: str, password: str = demo.DEMO_PASSWORD):
    """Return a requests session signed in to a live server through its login form."""
    import requests

    session = requests.Session()
    session.trust_env = False
    page = session.get(url + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    session.post(
        url + "/login",
        data={"username": username, "password": password, "csrf_token": token},
        timeout=10,
    )
    return session


def wait_for_server(url: str, timeout: float = 20) -> None:
    """Wait until the server answers on url."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def proc_stat(pid: int) -> list[str] | None:
    """A process's /proc stat fields after its name (state, ppid, …; utime is [11]), or None
    when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := proc_stat(int(entry))) and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _tree_cpu(pid: int) -> float:
    """CPU seconds a process and its children used so far."""
    total = 0
    for each in (pid, *children(pid)):
        if fields := proc_stat(each):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class LiveServer:
    """The app started with `flask serve` in a subprocess on its own data directory.

    `stop()` and `start()` take it down and bring it back on the same port and data, as an
    operator's restart would (the board's watchdog tests need that).
    """

    def __init__(self, data_dir: Path, extra_env: dict | None = None, wrapper: tuple = ()):
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "VOP_DATA_DIR": str(data_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "metrics"),  # its own counts
            **(extra_env or {}),
        }
        self.flask = [sys.executable, "-m", "flask", "--app", "app"]
        self.wrapper = tuple(wrapper)
        for command in (["init-db"], ["seed-demo"]):
            subprocess.run(
                self.flask + command, env=self.env, cwd=ROOT, check=True, capture_output=True
            )
        self.process = None
        self.start()

    def start(self) -> None:
        """Start the server (again) and wait until it answers."""
        self.log = open(self.data_dir / "server.log", "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*self.wrapper, *self.flask, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_server(self.url + "/healthz")

    def db(self):
        """Open the server's database, for asserting what was stored."""
        return connect(str(self.data_dir / "veilig-op-pad.sqlite"))

    def settle(self, timeout: float = 15) -> None:
        """Wait until the server and its push sender process are done starting (below 5 %
        of a core for half a second): a measurement then sees the server, not its start."""
        deadline = time.monotonic() + timeout
        used = _tree_cpu(self.process.pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now_used = _tree_cpu(self.process.pid)
            if now_used - used < 0.025:
                return
            used = now_used

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One real server for the browser tests of a session."""
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    return os.environ.get("VOP_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def playwright_instance():
    """The Playwright driver."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Debian's Chromium, headless."""
    path = chromium_path()
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: run `make test` (it installs it as root)")
    browser = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
}


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


def login_page(context, base_url: str, username: str, password: str = demo.DEMO_PASSWORD):
    """Open a page in the context and sign in through the login form."""
    page = context.new_page()
    page.goto(base_url + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


# Resolves "controlled" when a service worker controls the page, "active" when one is active
# but has not claimed this page (yet), and explains itself after 15 s without an active worker.
WORKER_STATE_JS = """() => new Promise((resolve) => {
    const sw = navigator.serviceWorker;
    if (sw.controller) return resolve("controlled");
    sw.addEventListener("controllerchange", () => resolve("controlled"));
    sw.ready.then(() => setTimeout(() => resolve(sw.controller ? "controlled" : "active"), 3000));
    setTimeout(async () => {
        const reg = await sw.getRegistration();
        const s = (w) => (w ? w.state : "-");
        if (!reg) return resolve("no registration");
        resolve(`installing=${s(reg.installing)} waiting=${s(reg.waiting)}`
            + ` active=${s(reg.active)}`);
    }, 15000);
})"""


def wait_for_worker(page) -> None:
    """Wait until the service worker controls the page (evaluate: the CSP forbids eval).

    A worker that activated while this page was already open normally claims it at once;
    when Chromium has not done so a few seconds after activation, the next load of the page
    is controlled, as it would be for a user.
    """
    state = page.evaluate(WORKER_STATE_JS)
    if state == "active":
        page.reload()
        state = page.evaluate(WORKER_STATE_JS)
    assert state == "controlled"


# --- escalation: the fake push service, an app context, the escalator --------------------
# The escalator runs with the test's FakeClock and, unless a test needs real threads, sends
# in the calling thread (InlineExecutor), so `tick()` returns with every push delivered.

LOOPBACK_HOSTS = "127.0.0.1,localhost"


@pytest.fixture
def push_service():
    """A local push service that decrypts and verifies every message."""
    from .push_service import FakePushService

    service = FakePushService()
    yield service
    service.close()


@pytest.fixture
def app_context(app):
    """An application context with pushes allowed to the loopback fake push service."""
    app.config["VOP_PUSH_HOSTS"] = LOOPBACK_HOSTS
    context = app.app_context()
    context.push()
    yield context
    context.pop()


@pytest.fixture
def ctx(app, app_context):
    """The app, inside its application context (see app_context)."""
    return app


class Outside:
    """Run a client's calls outside the test's app context.

    Flask reuses an app context that is already pushed for a request, and with it `g`
    (the CSRF token, the signed-in user); a real request never shares those.
    """

    def __init__(self, target, context):
        self._target, self._context = target, context

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self._context.pop()
            try:
                return attr(*args, **kwargs)
            finally:
                self._context.push()

        return call


@pytest.fixture
def web(app_context, client, auth):
    """The test client and its auth helper, making requests as a browser would."""
    return Outside(client, app_context), Outside(auth, app_context)


@pytest.fixture
def escalator(ctx):
    """An escalator on the test database that sends in the calling thread."""
    from app.escalation.dispatch import InlineExecutor
    from app.escalation.engine import Escalator

    engine = Escalator(ctx, holder="test-escalator", executor=InlineExecutor())
    yield engine
    engine.dispatcher.shutdown()
