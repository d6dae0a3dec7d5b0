"""Reminders: send_reminders and the reviewers' «Nhắc nhở», through a real SMTP server, each mail logged once."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from indicators.models import Reminder, ReminderKind, Submission, SubmissionStatus
from indicators.periods import Period
from indicators.reminders import kind_on
from organizations.models import OrgUnit

# 2019 Q1: data window 15/12/2018 – 14/03/2019, due 21/03/2019. The demo has no 2019 submissions,
# and two of its clerks have an address: canloc (HT-443) and stttt (HT-STTTT).
DUE_SOON_DAY = "2019-03-10"
OVERDUE_DAY = "2019-03-25"

pytestmark = pytest.mark.django_db


def subject(mail) -> str:
    return str(mail["message"]["Subject"]).strip()  # a long encoded subject is folded after "Subject:"


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_kinds_follow_the_decree_09_window():
    q1 = Period(2019, 1)
    assert kind_on(q1, datetime.date(2019, 3, 8), 5) is None  # six days before the window closes
    assert kind_on(q1, datetime.date(2019, 3, 9), 5) == ReminderKind.DUE_SOON
    assert kind_on(q1, datetime.date(2019, 3, 14), 5) == ReminderKind.DUE_SOON  # the last day of the window
    assert kind_on(q1, datetime.date(2019, 3, 21), 5) is None  # grace days up to the due date
    assert kind_on(q1, datetime.date(2019, 3, 22), 5) == ReminderKind.OVERDUE


def test_clerks_of_units_that_have_not_reported_get_a_due_soon_mail(smtp_server, clerk_can_loc, clerk_stttt):
    out = run("--days", "5", "--today", DUE_SOON_DAY)
    assert "2 sent, 0 already reminded, 0 failed" in out
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["canloc@demo.invalid", "stttt@demo.invalid"]
    mail = next(m for m in smtp_server.messages if m["to"] == ["canloc@demo.invalid"])
    can_loc = OrgUnit.objects.get(code="HT-443")
    assert subject(mail) == f"[Reform Portal] Nhắc gửi báo cáo Quý I/2019 của {can_loc.name}"
    body = smtp_server.body(smtp_server.messages.index(mail))
    assert "kết thúc ngày 14/03/2019; hạn gửi báo cáo là ngày 21/03/2019" in body
    assert "Số liệu tính từ 15/12/2018 đến 14/03/2019" in body
    assert "http://127.0.0.1:8000/entry/HT-443/2019/1/" in body
    logged = Reminder.objects.get(org_unit=can_loc, year=2019, quarter=1)
    assert (logged.kind, logged.recipient, logged.email, logged.sent_by) == (
        "due_soon",
        clerk_can_loc,
        "canloc@demo.invalid",
        None,
    )


def test_running_twice_mails_nobody_twice(smtp_server):
    run("--today", DUE_SOON_DAY)
    out = run("--today", DUE_SOON_DAY)
    assert "0 sent, 2 already reminded" in out
    assert len(smtp_server.messages) == 2 and Reminder.objects.count() == 2


def test_dry_run_lists_the_mails_and_sends_and_logs_nothing(smtp_server):
    out = run("--dry-run", "--today", DUE_SOON_DAY)
    assert "would send: HT-443 Q1/2019 due_soon → canloc <canloc@demo.invalid>" in out
    assert "2 would send" in out
    assert smtp_server.messages == [] and not Reminder.objects.exists()


def test_a_unit_that_submitted_is_not_reminded(smtp_server):
    Submission.objects.create(
        org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, status=SubmissionStatus.SUBMITTED
    )
    run("--today", DUE_SOON_DAY)
    assert [m["to"] for m in smtp_server.messages] == [["stttt@demo.invalid"]]


def test_after_the_due_date_the_mail_says_overdue_and_is_logged_as_such(smtp_server):
    out = run("--today", OVERDUE_DAY)
    assert "2 sent" in out
    can_loc = OrgUnit.objects.get(code="HT-443")
    mail = next(m for m in smtp_server.messages if m["to"] == ["canloc@demo.invalid"])
    assert subject(mail) == f"[Reform Portal] Báo cáo Quý I/2019 của {can_loc.name} đã quá hạn"
    assert set(Reminder.objects.values_list("kind", "quarter")) == {("overdue", 1)}
    # The due-soon reminder of the same quarter was a different thing: an overdue one still goes once.
    assert "0 sent, 2 already reminded" in run("--today", OVERDUE_DAY)


def test_outside_both_moments_nothing_is_sent(smtp_server):
    assert "0 sent" in run("--days", "0", "--today", DUE_SOON_DAY)  # the window closes in 4 days, not 0
    assert smtp_server.messages == []


def test_a_mail_server_that_refuses_leaves_nothing_logged_so_the_next_run_retries(settings, db):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with pytest.raises(CommandError, match="2 reminders could not be sent"):
        run("--today", DUE_SOON_DAY)
    assert not Reminder.objects.exists()


@pytest.mark.parametrize("args", [["--days", "-1"], ["--today", "10/03/2019"]])
def test_bad_arguments_are_refused(args, db):
    with pytest.raises(CommandError):
        run(*args)


# -- the reviewers' «Nhắc nhở» on /review/ ----------------------------------------------------------

REMIND = "/review/HT-443/2019/1/remind/"


def test_the_completeness_list_offers_a_reminder_for_units_that_have_not_reported(client, reviewer):
    client.force_login(reviewer)
    html = client.get("/review/?year=2019&quarter=1").content.decode()
    assert "Nhắc nhở…" in html
    assert f'action="{REMIND}"' in html
    assert "Gửi thư nhắc báo cáo Quý I/2019 tới 1 cán bộ nhập liệu của" in html
    # Huong Khe (HT-444) has no clerk with an address: no action that could not reach anyone.
    assert 'action="/review/HT-444/2019/1/remind/"' not in html


def test_reminding_a_unit_without_a_clerks_address_says_so(client, reviewer, smtp_server):
    client.force_login(reviewer)
    r = client.post("/review/HT-444/2019/1/remind/", follow=True)
    assert "chưa có cán bộ nhập liệu nào có địa chỉ thư; chưa gửi được thư nhắc" in r.content.decode()
    assert smtp_server.messages == [] and not Reminder.objects.exists()


def test_a_reviewer_reminds_a_unit_once(client, reviewer, clerk_can_loc, smtp_server):
    client.force_login(reviewer)
    r = client.post(REMIND, {"next": "/review/?year=2019&quarter=1"}, follow=True)
    assert r.redirect_chain[-1][0] == "/review/?year=2019&quarter=1"
    assert "Đã gửi thư nhắc báo cáo Quý I/2019 tới 1 cán bộ của" in r.content.decode()
    assert [m["to"] for m in smtp_server.messages] == [["canloc@demo.invalid"]]
    assert subject(smtp_server.messages[0]).endswith("đã quá hạn")  # 2019 Q1 is long past its due date
    logged = Reminder.objects.get()
    assert (logged.org_unit.code, logged.kind, logged.recipient, logged.sent_by) == ("HT-443", "overdue", clerk_can_loc, reviewer)
    assert "đã nhắc" in r.content.decode()

    again = client.post(REMIND, follow=True)
    assert "đã được nhắc về báo cáo Quý I/2019" in again.content.decode()
    assert len(smtp_server.messages) == 1 and Reminder.objects.count() == 1


def test_a_unit_that_has_reported_is_not_reminded(client, reviewer, smtp_server):
    Submission.objects.create(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, status=SubmissionStatus.APPROVED)
    client.force_login(reviewer)
    r = client.post(REMIND, follow=True)
    assert "đã gửi báo cáo Quý I/2019; không cần nhắc" in r.content.decode()
    assert smtp_server.messages == [] and not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clerk_can_loc", 403), ("leader", 403), ("outsider", 404), ("clerk_stttt", 404), ("district_reviewer", 404)],
)
def test_the_wrong_user_cannot_send_reminders(client, request, persona, status, smtp_server):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(REMIND).status_code == status
    assert smtp_server.messages == [] and not Reminder.objects.exists()


def test_reminding_needs_a_post_with_a_csrf_token(reviewer, smtp_server):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get(REMIND).status_code == 405
    assert client.post(REMIND).status_code == 403
    assert smtp_server.messages == [] and not Reminder.objects.exists()
