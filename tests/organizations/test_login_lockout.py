"""Repeated wrong passwords lock that username on that machine for a while (django-axes)."""

from tests.conftest import DEMO_PASSWORD


def attempt(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_login_even_with_the_right_one(client, db, settings):
    for _ in range(4):
        r = attempt(client, "canloc", "sai-mat-khau")
        assert r.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.content.decode()
    r = attempt(client, "canloc", "sai-mat-khau")
    assert r.status_code == 429
    r = attempt(client, "canloc", DEMO_PASSWORD)
    assert r.status_code == 429
    page = r.content.decode()
    assert "Tạm khóa đăng nhập" in page and "«canloc» đã nhập sai mật khẩu 5 lần" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username(client, db):
    for _ in range(5):
        attempt(client, "canloc", "sai-mat-khau")
    r = attempt(client, "stttt", DEMO_PASSWORD)
    assert r.status_code == 302 and client.session["_auth_user_id"]


def test_a_successful_login_clears_earlier_failures(client, db):
    for _ in range(4):
        attempt(client, "leader", "sai")
    assert attempt(client, "leader", DEMO_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert attempt(client, "leader", "sai").status_code == 200
