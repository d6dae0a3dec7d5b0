"""The activity log in a real browser: a clerk logs a training class and a print run, attaches a scan, takes
one figure from the log and overrides another with a note, submits; the reviewer sees the log and the scan;
another unit's clerk and an outsider get a 404 on the scan. Screenshots go to test-artifacts/."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from campaigns.models import Activity, Evidence
from indicators.models import DataValue, Submission, SubmissionStatus, ValueChange
from tests.campaigns.helpers import PDF
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import login

TRAINEES = "Lượt người dân, doanh nghiệp được tập huấn về dịch vụ công trực tuyến"
CLASSES = "Lớp tập huấn sử dụng dịch vụ công trực tuyến"
LEAFLETS = "Tờ rơi hướng dẫn quy định pháp luật về CCHC đã phát hành"


def quick_add(page, *, kind, topic, day, title, **numbers):
    form = page.locator("#quick-add")
    form.get_by_label("Loại hoạt động").select_option(label=kind)
    form.get_by_label("Chủ đề", exact=True).select_option(label=topic)
    form.get_by_label("Ngày (dd/mm/yyyy)").fill(day)
    form.get_by_label("Tên, chủ đề").fill(title)
    for label, value in numbers.items():
        form.get_by_label({"participants": "Số người tham dự", "quantity": "Số lượng (tờ, kỳ, bài…)"}[label]).fill(value)
    form.get_by_role("button", name="Ghi hoạt động").click()


def test_log_evidence_prefill_override_review_and_access(page, browser, browser_context_args, seeded_live_server, artifacts):
    server = seeded_live_server
    login(page, server, "canloc")

    # -- the clerk logs a training class and a print run for the first quarter of 2019
    page.goto(f"{server.url}/activities/HT-443/2019/1/")
    quick_add(
        page,
        kind="Lớp tập huấn",
        topic="Dịch vụ công trực tuyến",
        day="10/01/2019",
        title="Tập huấn DVC trực tuyến xã Thiên Lộc",
        participants="1.020",
    )
    expect(page.get_by_text("Đã ghi hoạt động «Tập huấn DVC trực tuyến xã Thiên Lộc» (Quý I/2019).")).to_be_visible()
    quick_add(
        page,
        kind="Đợt in, phát hành tờ rơi",
        topic="Cải cách hành chính",
        day="25/01/2019",
        title="Tờ rơi thủ tục đất đai",
        quantity="1.800",
    )
    expect(page.get_by_text("Đã ghi hoạt động «Tờ rơi thủ tục đất đai» (Quý I/2019).")).to_be_visible()
    training = Activity.objects.get(org_unit__code="HT-443", kind="training_class", year=2019)

    # -- attaches the scanned attendance list to the class
    row = page.locator(f"#activity-{training.pk}")
    row.get_by_text("Đính kèm…").click()
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "danh-sach-lop.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    row.get_by_role("button", name="Đính kèm").click()
    expect(page.get_by_text("Đã đính kèm «danh-sach-lop.pdf».")).to_be_visible()
    expect(page.locator("#sum-online_service_trainees")).to_contain_text("1.020 lượt người")
    page.screenshot(path=str(artifacts / "activity-log.png"), full_page=True)
    scan = Evidence.objects.get(activity=training)

    # -- opens the quarter's form: the log's figures are beside the inputs and pre-filled
    page.goto(f"{server.url}/entry/HT-443/2019/1/")
    trainees_row = page.locator("#row-online_service_trainees")
    expect(trainees_row.locator(".log-hint")).to_contain_text("theo nhật ký: 1 lớp, 1.020 lượt người")
    expect(page.get_by_label(TRAINEES, exact=True)).to_have_value("1.020")
    expect(page.get_by_label(CLASSES, exact=True)).to_have_value("1")
    expect(page.get_by_label(LEAFLETS, exact=True)).to_have_value("1.800")
    trainees_row.screenshot(path=str(artifacts / "entry-form-log-hint.png"))

    # -- accepts the log's trainees (after a slip, with the button), overrides the leaflets: first without a note
    page.get_by_label(TRAINEES, exact=True).fill("1.200")
    trainees_row.get_by_role("button", name="Dùng số này").click()
    expect(page.get_by_label(TRAINEES, exact=True)).to_have_value("1.020")
    page.get_by_label(LEAFLETS, exact=True).fill("1.750")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Số liệu khác nhật ký hoạt động (theo nhật ký: 1.800): ghi chú lý do.")).to_be_visible()
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()
    page.get_by_label(f"Ghi chú: {LEAFLETS}").fill("50 tờ in hỏng, không phát")
    page.get_by_role("button", name="Gửi duyệt").click()
    ack = page.get_by_label(re.compile("Tôi đã xem .* cảnh báo"))
    if ack.count():
        ack.check()
        page.get_by_role("button", name="Gửi duyệt").click()
    expect(page.get_by_text("Đã gửi báo cáo Quý I/2019 để thẩm định.")).to_be_visible()
    page.screenshot(path=str(artifacts / "entry-form-from-log.png"), full_page=True)
    sources = dict(
        ValueChange.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).values_list("indicator__code", "source")
    )
    assert sources["online_service_trainees"] == "from_log" and sources["online_service_training_classes"] == "from_log"
    assert sources["leaflets_issued"] == "typed"
    assert DataValue.objects.get(org_unit__code="HT-443", year=2019, quarter=1, indicator__code="leaflets_issued").value == 1750
    assert Submission.objects.get(org_unit__code="HT-443", year=2019, quarter=1).status == SubmissionStatus.SUBMITTED

    # -- the log is frozen with the submitted quarter
    page.goto(f"{server.url}/activities/HT-443/2019/1/")
    expect(page.locator("#log-locked")).to_contain_text("Nhật ký đã khóa.")
    expect(page.locator("#quick-add")).to_have_count(0)

    # -- the reviewer sees where the report differs from the log, the log itself and the scan
    reviewer_ctx = browser.new_context(**browser_context_args)
    rpage = reviewer_ctx.new_page()
    login(rpage, server, "reviewer")
    rpage.goto(f"{server.url}/review/")
    expect(rpage.get_by_text("1 số liệu khác nhật ký hoạt động")).to_be_visible()
    rpage.get_by_role("link", name="Xem số liệu").first.click()
    expect(rpage.locator("#row-leaflets_issued .log-differs")).to_have_text("Khác nhật ký (1.800)")
    expect(rpage.locator("#row-online_service_trainees .log-hint")).to_contain_text("danh-sach-lop.pdf")
    expect(rpage.locator("#evidence-panel")).to_contain_text("danh-sach-lop.pdf")
    rpage.screenshot(path=str(artifacts / "review-form-log-evidence.png"), full_page=True)
    with rpage.expect_download() as info:
        rpage.locator("#evidence-panel").get_by_role("link", name=re.compile("danh-sach-lop.pdf")).click()
    assert info.value.suggested_filename == "danh-sach-lop.pdf"
    assert info.value.path().read_bytes() == PDF
    rpage.locator("#row-online_service_trainees .log-hint a").first.click()
    expect(rpage.get_by_role("heading", name=re.compile("Nhật ký hoạt động Quý I.2019"))).to_be_visible()
    expect(rpage.locator(f"#activity-{training.pk}")).to_contain_text("Tập huấn DVC trực tuyến xã Thiên Lộc")
    rpage.screenshot(path=str(artifacts / "review-activity-log.png"), full_page=True)
    reviewer_ctx.close()

    # -- another unit's clerk and an outsider get a 404 on the scan's URL
    get_user_model().objects.create_user("outsider", password=DEMO_PASSWORD)
    for username in ("stttt", "outsider"):
        ctx = browser.new_context(**browser_context_args)
        other = ctx.new_page()
        login(other, server, username)
        response = other.goto(f"{server.url}/evidence/{scan.pk}/")
        assert response.status == 404
        other.screenshot(path=str(artifacts / f"evidence-404-{username}.png"))
        ctx.close()
