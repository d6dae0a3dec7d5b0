"""Shared fixtures: the demo data set, loaded once, and the personas who use the portal.

The test database gets `seed_demo` once per run. Ordinary tests run inside a
transaction and see it untouched. Tests that need real commits (live_server,
transactional_db) flush the database when they finish, so they run last and
get the demo data back from its snapshot (tests/demo_snapshot.py), as
`seeded_live_server` in tests/e2e/conftest.py does.
"""

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from organizations.models import Membership, OrgUnit, Role
from tests import demo_snapshot

DEMO_PASSWORD = "demo-pass-2018"


def seed(password: str = DEMO_PASSWORD) -> None:
    call_command("seed_demo", password=password, stdout=io.StringIO())


def reseed() -> None:
    """The session's demo data back, for a test that commits (and so starts from what the last one flushed)."""
    demo_snapshot.restore()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("private-media"))  # evidence files of the run
    with django_db_blocker.unblock():
        seed()
        demo_snapshot.take()


def pytest_collection_modifyitems(config, items):
    """Tests that commit (and so flush the database afterwards) go last.

    Tests marked `postgres` need PostgreSQL's own tools (pg_dump…): they run whenever the suite
    runs on PostgreSQL, as CI's does, and are deselected, visibly, on SQLite.
    """
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        needs_pg = [item for item in items if item.get_closest_marker("postgres")]
        if needs_pg:
            config.hook.pytest_deselected(items=needs_pg)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]

    def flushes(item):
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):  # @pytest.mark.django_db(transaction=True) flushes too
            return True
        return "live_server" in names or "transactional_db" in names or "seeded_live_server" in names

    items.sort(key=flushes)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def province(db):
    return OrgUnit.objects.get(code="HT")


@pytest.fixture
def clerk_can_loc(db):
    """Clerk of Can Loc district (HT-443)."""
    return _user("canloc")


@pytest.fixture
def clerk_stttt(db):
    """Clerk of the Department of Information and Communications (HT-STTTT)."""
    return _user("stttt")


@pytest.fixture
def reviewer(db):
    """Reviewer at the province: the whole tree."""
    return _user("reviewer")


@pytest.fixture
def leader(db):
    """Provincial leader: reads everything, changes nothing."""
    return _user("leader")


@pytest.fixture
def admin_user(db):
    return _user("admin")


@pytest.fixture
def outsider(db):
    """Logged in, but a member of no unit."""
    return get_user_model().objects.create_user("outsider", password=DEMO_PASSWORD)


@pytest.fixture
def district_reviewer(db):
    """Reviewer of Huong Khe district (HT-444) only: a subtree that excludes Can Loc."""
    user = get_user_model().objects.create_user("reviewer444", password=DEMO_PASSWORD)
    Membership.objects.create(user=user, org_unit=OrgUnit.objects.get(code="HT-444"), role=Role.REVIEWER)
    return user


class _Mailbox:
    """What a real SMTP server (aiosmtpd on loopback) received, parsed as the recipient's mail client would."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from, "message": message})
        return "250 OK"

    def body(self, i: int = -1) -> str:
        return self.messages[i]["message"].get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on a free loopback port, and the portal's mail pointed at it (SMTP backend, no TLS)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()
