"""A quarter from first figure to lock, in a real browser: the clerk enters, the reviewer returns, the clerk
resubmits, the reviewer approves, the form locks. Screenshots go to the artifacts dir (test-artifacts/)."""

from playwright.sync_api import expect

from indicators.models import DataValue, Submission, SubmissionStatus
from tests.e2e.conftest import login

RADIO = "Lượt chương trình phát thanh về CCHC trên hệ thống truyền thanh cơ sở"
LEAFLETS = "Tờ rơi hướng dẫn quy định pháp luật về CCHC đã phát hành"
WEBSITES_NUM = "#id_n-commune_websites"
WEBSITES_DEN = "#id_d-commune_websites"


def test_clerk_enters_reviewer_returns_clerk_resubmits_reviewer_approves(
    page, browser, browser_context_args, seeded_live_server, artifacts
):
    server = seeded_live_server
    # -- the clerk opens Can Loc's first quarter of 2019 from the entry list
    login(page, server, "canloc")
    page.goto(f"{server.url}/entry/?year=2019")
    expect(page.get_by_text("Quá hạn").first).to_be_visible()
    page.get_by_role("link", name="Nhập số liệu Quý I/2019").click()
    expect(page.get_by_role("heading", name="Báo cáo Quý I/2019 — Huyện Can Lộc")).to_be_visible()
    expect(page.get_by_text("15/12/2018 – 14/03/2019")).to_be_visible()

    # -- fills it in, Vietnamese style, with one mistake
    page.get_by_label(RADIO, exact=True).fill("60")
    page.get_by_label(LEAFLETS, exact=True).fill("1.800")
    page.locator(WEBSITES_NUM).fill("30")
    page.locator(WEBSITES_DEN).fill("23")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Tử số (30) không được lớn hơn mẫu số (23).")).to_be_visible()
    expect(page.get_by_label(LEAFLETS, exact=True)).to_have_value("1.800")  # what was typed is kept
    page.locator("#row-commune_websites").screenshot(path=str(artifacts / "entry-form-error-row.png"))
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()

    # -- fixes it and saves a draft
    page.locator(WEBSITES_NUM).fill("21")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu 3 ô số liệu.")).to_be_visible()
    expect(page.get_by_label(LEAFLETS, exact=True)).to_have_value("1.800")
    page.screenshot(path=str(artifacts / "entry-form.png"))
    page.screenshot(path=str(artifacts / "entry-form-full.png"), full_page=True)

    # -- submits
    page.get_by_role("button", name="Gửi duyệt").click()
    expect(page.get_by_text("Đã gửi báo cáo Quý I/2019 để thẩm định.")).to_be_visible()
    assert Submission.objects.get(org_unit__code="HT-443", year=2019, quarter=1).status == SubmissionStatus.SUBMITTED

    # -- the reviewer, in another browser, returns it with a comment
    reviewer_ctx = browser.new_context(**browser_context_args)
    rpage = reviewer_ctx.new_page()
    questions = []  # approve and return ask first; the reviewer says yes
    rpage.on("dialog", lambda d: (questions.append(d.message), d.accept()))
    login(rpage, server, "reviewer")
    rpage.goto(f"{server.url}/review/")
    expect(rpage.get_by_role("heading", name="Chờ thẩm định (1)")).to_be_visible()
    rpage.screenshot(path=str(artifacts / "review.png"))
    rpage.screenshot(path=str(artifacts / "review-full.png"), full_page=True)
    rpage.get_by_text("Trả lại…").click()
    rpage.get_by_label("Ý kiến khi trả lại").fill("Số tờ rơi chưa khớp sổ phát hành, đề nghị kiểm tra lại.")
    rpage.get_by_role("button", name="Trả lại", exact=True).click()
    expect(rpage.get_by_text("Đã trả lại báo cáo Quý I/2019")).to_be_visible()

    # -- the clerk sees why, corrects and resubmits
    page.goto(f"{server.url}/entry/HT-443/2019/1/")
    expect(page.locator(".banner-returned .review-comment")).to_have_text(
        "Số tờ rơi chưa khớp sổ phát hành, đề nghị kiểm tra lại."
    )
    expect(page.locator("#form-status")).to_have_text("Bị trả lại")
    page.get_by_label(LEAFLETS, exact=True).fill("1.750")
    page.get_by_label(f"Ghi chú: {LEAFLETS}").fill("Đã đối chiếu sổ phát hành")
    page.get_by_role("button", name="Gửi duyệt").click()
    expect(page.get_by_text("Đã gửi báo cáo Quý I/2019 để thẩm định.")).to_be_visible()

    # -- the reviewer approves
    rpage.goto(f"{server.url}/review/")
    rpage.get_by_role("button", name="Phê duyệt Huyện Can Lộc Quý I/2019").click()
    expect(rpage.get_by_text("Đã phê duyệt báo cáo Quý I/2019 của Huyện Can Lộc.")).to_be_visible()
    assert [q.split("?")[0] for q in questions] == [
        "Trả lại báo cáo Quý I/2019 của Huyện Can Lộc để đơn vị sửa",
        "Phê duyệt báo cáo Quý I/2019 của Huyện Can Lộc",
    ]
    reviewer_ctx.close()

    # -- the clerk's form is locked, and says why
    page.goto(f"{server.url}/entry/HT-443/2019/1/")
    expect(page.locator("#lock-banner")).to_contain_text("Số liệu đã khóa.")
    expect(page.locator("#lock-banner")).to_contain_text("phê duyệt")
    expect(page.get_by_label(LEAFLETS, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Lưu", exact=True)).to_have_count(0)
    page.screenshot(path=str(artifacts / "entry-form-locked.png"))
    value = DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1)
    assert value.value == 1750 and value.note == "Đã đối chiếu sổ phát hành"
    assert Submission.objects.get(org_unit__code="HT-443", year=2019, quarter=1).status == SubmissionStatus.APPROVED


def test_canloc_cannot_open_huong_khe(page, seeded_live_server):
    login(page, seeded_live_server, "canloc")
    response = page.goto(f"{seeded_live_server.url}/entry/HT-444/2019/1/")
    assert response.status == 404


def test_excel_round_trip_in_the_browser_with_progress(page, seeded_live_server, tmp_path):
    import io

    import openpyxl

    server = seeded_live_server
    login(page, server, "canloc")
    page.goto(f"{server.url}/entry/HT-443/2019/2/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải biểu mẫu (.xlsx)").click()
    wb = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()))
    ws = wb.active
    rows = {row[1].value: row for row in ws.iter_rows(min_row=6) if row[1].value}
    rows["leaflets_issued"][6].value = "nhiều"
    bad = tmp_path / "bieu-mau-loi.xlsx"
    wb.save(bad)
    page.get_by_label("Tệp Excel (.xlsx) hoặc CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator(".upload-errors")).to_contain_text(f"Dòng {rows['leaflets_issued'][6].row}, Giá trị:")
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=2).exists()

    rows["leaflets_issued"][6].value = 1650
    good = io.BytesIO()
    wb.save(good)
    page.get_by_label("Tệp Excel (.xlsx) hoặc CSV").set_input_files(
        files=[{"name": "bieu-mau.xlsx", "mimeType": "application/octet-stream", "buffer": good.getvalue()}]
    )
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_text("Đã nhận tệp bieu-mau.xlsx: 1 ô thay đổi")).to_be_visible()
    expect(page.get_by_label(LEAFLETS, exact=True)).to_have_value("1.650")
