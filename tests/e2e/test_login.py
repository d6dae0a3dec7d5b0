from tests.e2e.conftest import login


def test_clerk_logs_in_and_lands_on_data_entry(page, seeded_live_server):
    login(page, seeded_live_server, "canloc")
    assert page.url.endswith("/entry/")
    assert page.get_by_role("heading", name="Nhập số liệu").is_visible()


def test_wrong_password_is_refused_in_vietnamese(page, seeded_live_server):
    login(page, seeded_live_server, "canloc", password="sai-mat-khau")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("Tên đăng nhập hoặc mật khẩu không đúng")
