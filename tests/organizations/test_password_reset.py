"""Password reset works end to end through a real SMTP server: request, mail, link, new password, login."""

import re
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model

from tests.conftest import DEMO_PASSWORD


def test_a_clerk_resets_a_forgotten_password_by_mail(client, smtp_server, clerk_can_loc):
    page = client.get("/accounts/login/")
    assert "Quên mật khẩu?" in page.content.decode()
    form = client.get("/accounts/password_reset/")
    assert "Nhập địa chỉ thư điện tử của tài khoản" in form.content.decode()

    r = client.post("/accounts/password_reset/", {"email": clerk_can_loc.email})
    assert r.status_code == 302 and r["Location"] == "/accounts/password_reset/done/"
    assert "Hãy kiểm tra hộp thư" in client.get(r["Location"]).content.decode()

    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == [clerk_can_loc.email]
    assert mail["message"]["Subject"] == "Đặt lại mật khẩu Reform Portal"
    assert mail["message"]["From"] == settings.DEFAULT_FROM_EMAIL
    body = smtp_server.body()
    assert "Tên đăng nhập của bạn: canloc" in body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", body).group(1)

    confirm = client.get(link, follow=True)
    assert confirm.status_code == 200 and "Đặt mật khẩu mới" in confirm.content.decode()
    set_url = confirm.redirect_chain[-1][0]
    new = "Mat-khau-moi-2026"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert "Đã đặt mật khẩu mới" in client.get(done["Location"]).content.decode()

    client.logout()
    assert client.post("/accounts/login/", {"username": "canloc", "password": DEMO_PASSWORD}).status_code == 200  # refused
    r = client.post("/accounts/login/", {"username": "canloc", "password": new})
    assert r.status_code == 302 and r["Location"] == "/"
    # The link was for one use only.
    assert "không còn dùng được" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server, db):
    r = client.post("/accounts/password_reset/", {"email": "nobody@demo.invalid"})
    assert r.status_code == 302 and r["Location"] == "/accounts/password_reset/done/"
    assert smtp_server.messages == []


def test_mismatched_new_passwords_are_refused_in_vietnamese(client, smtp_server, clerk_can_loc):
    client.post("/accounts/password_reset/", {"email": clerk_can_loc.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", smtp_server.body()).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    r = client.post(set_url, {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-khac-2026"})
    assert r.status_code == 200
    assert "Hai trường mật khẩu không giống nhau" in r.content.decode()
    assert get_user_model().objects.get(pk=clerk_can_loc.pk).check_password(DEMO_PASSWORD)


def _mail_settings(**env) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'reform_portal.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL)"
    )
    base = {"SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_mail_is_configured_from_the_environment():
    assert _mail_settings(DEBUG="true").startswith("django.core.mail.backends.console.EmailBackend")
    out = _mail_settings(
        DEBUG="false",
        EMAIL_URL="smtp+tls://portal:secret@mail.hatinh.gov.vn:587",
        DEFAULT_FROM_EMAIL="Cổng CCHC <cchc@hatinh.gov.vn>",
    )
    assert (
        out
        == "django.core.mail.backends.smtp.EmailBackend mail.hatinh.gov.vn 587 portal True False Cổng CCHC <cchc@hatinh.gov.vn>"
    )
    assert " 465 portal False True " in _mail_settings(DEBUG="false", EMAIL_URL="smtp+ssl://portal:secret@mail.hatinh.gov.vn:465")
