"""In a browser that asks for English (Chromium's en-US): the portal speaks Vietnamese until the user picks
English with the switch; the choice follows the user to another browser."""

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_an_english_browser_gets_vietnamese_and_the_switch_is_remembered(browser, browser_context_args, seeded_live_server):
    server = seeded_live_server
    english_browser = {**browser_context_args, "locale": "en-US", "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}
    context = browser.new_context(**english_browser)
    page = context.new_page()
    login(page, server, "canloc")  # the login page itself is Vietnamese: "Tên đăng nhập"
    page.goto(f"{server.url}/entry/HT-443/2019/1/")
    expect(page.get_by_role("heading", name="Báo cáo Quý I/2019 — Huyện Can Lộc")).to_be_visible()
    page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.get_by_role("heading", name="Report Q1/2019 — Can Loc District")).to_be_visible()
    context.close()

    # Another device, no cookie: after logging in, English again.
    other = browser.new_context(**{**browser_context_args, "locale": "vi-VN"})
    page = other.new_page()
    login(page, server, "canloc")
    page.goto(f"{server.url}/entry/HT-443/2019/1/")
    expect(page.get_by_role("heading", name="Report Q1/2019 — Can Loc District")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    other.close()
