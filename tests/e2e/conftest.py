"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

They commit to the database (the live server runs in another thread), so they
run after the other tests and re-seed the demo data first. Without a chromium
on the machine they are skipped with that reason; `.ci/run` installs it.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, reseed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Vietnamese UI, the screen size of a typical office laptop.
    return {**browser_context_args, "locale": "vi-VN", "viewport": {"width": 1366, "height": 768}}


@pytest.fixture
def seeded_live_server(live_server, transactional_db):
    reseed()
    return live_server


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests save screenshots (kept out of git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(page, server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")


# -- shared checks ---------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 from the npm registry

# Records every CSP violation the page reports, from the first byte of each document. Playwright injects
# init scripts through the DevTools protocol, which the page's CSP does not govern.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class CspWatch:
    """Collects CSP violations: the console's own reports and the page's securitypolicyviolation events."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._on_console)

    def _on_console(self, msg):
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.console.append(msg.text)

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__csp || []")
        return [*self.console, *events]


def no_horizontal_overflow(page) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the document: equal or less means nothing sticks out sideways."""
    return tuple(page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"))


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core in the page and return its serious and critical violations, one line each.

    axe is injected with page.evaluate of the file's text: page.add_script_tag would add an inline
    <script>, which the portal's CSP (script-src 'self') blocks; evaluation through the DevTools
    protocol is not subject to the page's CSP. axe itself needs no eval.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result
        if v["impact"] in impacts
    ]
