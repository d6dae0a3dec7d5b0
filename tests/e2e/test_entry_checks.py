"""In the browser: each cell is checked as the user leaves it, with the server's rules and messages; a
save reports every mistake at once; the reviewer's empty comment gets our Vietnamese message, not the
browser's English bubble."""

from playwright.sync_api import expect

from indicators import workflow
from indicators.models import DataValue, Submission, SubmissionStatus
from organizations.models import OrgUnit
from tests.e2e.conftest import PHONE, login

FORM = "/entry/HT-443/2019/1/"


def test_a_cell_is_checked_when_the_user_leaves_it(page, seeded_live_server, artifacts):
    login(page, seeded_live_server, "canloc")
    page.goto(seeded_live_server.url + FORM)
    sessions = page.locator("#id_v-legal_outreach_sessions")
    sessions.fill("2,5")
    sessions.press("Tab")
    row = page.locator("#row-legal_outreach_sessions")
    expect(row.locator("p.error")).to_have_text("Giá trị phải là số nguyên không âm (nhận được «2,5»).")
    expect(sessions).to_have_attribute("aria-invalid", "true")
    sessions.fill("3")
    sessions.press("Tab")
    expect(row.locator("p.error")).to_have_count(0)

    rate = page.locator("#id_v-edoc_exchange_rate")
    rate.fill("2.5")
    rate.press("Tab")
    expect(page.locator("#row-edoc_exchange_rate p.error")).to_have_text("«2.5» không phải là số. Viết như 85,93.")
    rate.fill("85,93")
    rate.press("Tab")
    expect(page.locator("#row-edoc_exchange_rate p.error")).to_have_count(0)

    page.locator("#id_n-commune_websites").fill("25")
    page.locator("#id_d-commune_websites").fill("23")
    page.locator("#id_d-commune_websites").press("Tab")
    expect(page.locator("#row-commune_websites p.error")).to_have_text("Tử số (25) không được lớn hơn mẫu số (23).")
    page.locator("#row-commune_websites").screenshot(path=str(artifacts / "entry-cell-checked-on-leave.png"))
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()


def test_saving_six_mistakes_shows_all_six_on_a_phone(browser, browser_context_args, seeded_live_server, artifacts):
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True})
    page = context.new_page()
    login(page, seeded_live_server, "canloc")
    page.goto(seeded_live_server.url + FORM)
    for selector, text in [
        ("#id_v-website_articles", "-5"),
        ("#id_v-leaflets_issued", "mười"),
        ("#id_n-commune_websites", "25"),
        ("#id_d-commune_websites", "23"),
        ("#id_n-grassroots_stations_active", "21"),
        ("#id_v-edoc_exchange_rate", "120"),
        ("#id_v-legal_outreach_sessions", "2,5"),
    ]:
        page.locator(selector).fill(text)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Chưa lưu được")).to_be_visible()
    errors = page.locator("#entry-form p.error")
    expect(errors).to_have_count(6)
    expect(page.locator("#row-legal_outreach_sessions p.error")).to_have_text(
        "Giá trị phải là số nguyên không âm (nhận được «2,5»)."
    )
    expect(page.locator("#row-grassroots_stations_active p.error")).to_have_text("Mẫu số phải là số nguyên lớn hơn 0.")
    page.locator("#row-leaflets_issued").screenshot(path=str(artifacts / "phone-entry-card-error.png"))
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()
    context.close()


def test_an_empty_return_comment_gets_a_vietnamese_message_and_nothing_is_sent(page, seeded_live_server, artifacts):
    from django.contrib.auth import get_user_model

    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=get_user_model().objects.get(username="canloc"))
    login(page, seeded_live_server, "reviewer")
    page.goto(seeded_live_server.url + FORM)
    expect(page.locator("#role-note")).to_contain_text("Báo cáo đang chờ thẩm định")
    page.get_by_role("button", name="Trả lại", exact=True).click()
    message = page.locator("#return-comment-required")
    expect(message).to_have_text("Ghi ý kiến để đơn vị biết cần sửa gì trước khi trả lại.")
    expect(page.locator("#return-comment")).to_be_focused()
    assert page.evaluate("document.getElementById('return-comment').form.noValidate")  # no native bubble
    page.locator(".review-panel").screenshot(path=str(artifacts / "review-empty-comment.png"))
    assert Submission.objects.get(org_unit=unit, year=2019, quarter=1).status == SubmissionStatus.SUBMITTED

    # On the review list too.
    page.goto(seeded_live_server.url + "/review/")
    page.get_by_text("Trả lại…").click()
    page.locator(".return-box button[type=submit]").click()
    expect(page.locator(".return-box p.error")).to_have_text("Ghi ý kiến để đơn vị biết cần sửa gì trước khi trả lại.")
    assert Submission.objects.get(org_unit=unit, year=2019, quarter=1).status == SubmissionStatus.SUBMITTED
