"""The annual report in a real browser: the seed's figures, downloads, publishing, and a clean A4 print."""

from tests.e2e.conftest import login


def test_reviewer_reads_downloads_and_publishes_the_2018_report(page, seeded_live_server, artifacts):
    server = seeded_live_server
    login(page, server, "reviewer")
    page.goto(f"{server.url}/reports/annual/2018/")
    paper = page.locator(".paper")
    for text in (
        "A. TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH",
        "B. HIỆN ĐẠI HÓA HÀNH CHÍNH",
        "2.213 dịch vụ công trực tuyến mức độ 3",
        "221/262 UBND cấp xã",
        "85,93%",
        "Chỉ thị 08/CT-UBND",
    ):
        assert paper.get_by_text(text).first.is_visible(), text
    page.screenshot(path=artifacts / "annual-report.png")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel (.xlsx)").click()
    assert download.value.suggested_filename == "bao-cao-2018-HT.xlsx"

    page.get_by_role("link", name="Phát hành báo cáo…").click()
    # The confirmation page: 2018 is complete, so no reason is asked for.
    assert page.get_by_text("dựa trên 38/38 đơn vị").is_visible()
    assert page.get_by_label("Lý do phát hành khi chưa đủ báo cáo (sẽ in trên báo cáo)").count() == 0
    page.screenshot(path=artifacts / "publish-confirm.png")
    page.get_by_role("button", name="Xác nhận phát hành").click()
    assert page.get_by_text("Đã phát hành báo cáo năm 2018.").is_visible()
    assert page.get_by_text("Đã phát hành ngày").is_visible()
    assert page.get_by_role("link", name="Sửa nội dung báo cáo").count() == 0

    # Print: the toolbar and the portal's header are gone, the document stays.
    page.emulate_media(media="print")
    assert not page.locator(".report-toolbar").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert paper.get_by_text("2.213 dịch vụ công trực tuyến mức độ 3").first.is_visible()
    page.pdf(path=artifacts / "annual-report.pdf", format="A4")
