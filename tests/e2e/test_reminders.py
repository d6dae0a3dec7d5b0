"""«Nhắc nhở» in a real browser: a reviewer opens the completeness list, confirms, the clerk's mail arrives.
And the forgotten-password page, reached from the login page. Screenshots into test-artifacts/."""

from playwright.sync_api import expect

from indicators.models import Reminder
from tests.e2e.conftest import login


def test_a_reviewer_reminds_a_unit_from_the_completeness_list(page, seeded_live_server, smtp_server, artifacts):
    server = seeded_live_server
    login(page, server, "reviewer")
    page.goto(f"{server.url}/review/?year=2019&quarter=1")
    page.locator("summary", has_text="Chưa gửi").first.click()  # the list of units yet to report
    item = page.locator("ul.unit-list.missing li", has_text="Huyện Can Lộc")
    item.get_by_text("Nhắc nhở…").click()
    expect(item.get_by_text("Gửi thư nhắc báo cáo Quý I/2019 tới 1 cán bộ nhập liệu của Huyện Can Lộc?")).to_be_visible()
    page.locator("#cov-title").locator("..").screenshot(path=str(artifacts / "review-remind-confirm.png"))
    item.get_by_role("button", name="Gửi thư nhắc").click()
    expect(page.get_by_text("Đã gửi thư nhắc báo cáo Quý I/2019 tới 1 cán bộ của Huyện Can Lộc.")).to_be_visible()
    page.locator("summary", has_text="Chưa gửi").first.click()
    expect(page.locator("ul.unit-list.missing li", has_text="Huyện Can Lộc").get_by_text("đã nhắc")).to_be_visible()
    page.locator("#cov-title").locator("..").screenshot(path=str(artifacts / "review-reminded.png"))
    assert [m["to"] for m in smtp_server.messages] == [["canloc@demo.invalid"]]
    assert Reminder.objects.get().sent_by.username == "reviewer"


def test_the_login_page_leads_to_the_forgotten_password_form(page, seeded_live_server, smtp_server, artifacts):
    server = seeded_live_server
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Thư điện tử").fill("canloc@demo.invalid")
    page.get_by_role("button", name="Gửi đường dẫn đặt lại mật khẩu").click()
    expect(page.get_by_role("heading", name="Hãy kiểm tra hộp thư")).to_be_visible()
    page.screenshot(path=str(artifacts / "password-reset-done.png"))
    assert [m["to"] for m in smtp_server.messages] == [["canloc@demo.invalid"]]
