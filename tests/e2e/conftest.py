"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

They commit to the database (the live server runs in another thread), so they
run after the other tests and re-seed the demo data first. Without a chromium
on the machine they are skipped with that reason; `.ci/run` installs it.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, seed

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
    seed()
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
