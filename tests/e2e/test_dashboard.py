"""The leader's dashboard in a real browser: figures, charts drawn, nothing fetched from outside, no errors."""

from tests.e2e.conftest import login


def watch(page, server):
    """Collect console errors, page errors and any request that leaves the portal."""
    seen = {"errors": [], "outside": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: not r.url.startswith((server.url, "data:", "blob:")) and seen["outside"].append(r.url))
    return seen


def test_leader_sees_the_2018_province_dashboard(page, seeded_live_server, artifacts):
    server = seeded_live_server
    seen = watch(page, server)
    login(page, server, "leader")
    page.goto(f"{server.url}/?year=2018")
    page.wait_for_load_state("networkidle")

    assert page.get_by_role("heading", name="Tổng quan: Tỉnh Hà Tĩnh").is_visible()
    tiles = page.locator(".tile")
    for figure in ("2.213", "1.131", "221/262", "99%"):
        assert tiles.locator(".tile-figure a", has_text=figure).first.is_visible(), figure
    assert page.get_by_text("Đạt 106,67% kế hoạch năm").is_visible()
    assert page.get_by_test_id("completeness-rate").inner_text() == "100,0%"

    # Three charts drawn by Chart.js, each with pixels on its canvas.
    drawn = page.evaluate(
        """() => ['chart-trend', 'chart-ranking', 'chart-composition'].map(id => {
            const chart = Chart.getChart(id);
            return chart ? chart.data.datasets[0].data.filter(v => v !== null).length : 0;
        })"""
    )
    assert drawn[0] >= 4 and drawn[1] >= 10 and drawn[2] == 4, drawn

    # The table alternative opens from its button.
    page.locator("[aria-controls=table-ranking]").click()
    assert page.locator("#table-ranking").is_visible()
    assert page.locator("#table-ranking").get_by_role("link", name="Huyện Can Lộc").is_visible()

    page.screenshot(path=str(artifacts / "dashboard-2018.png"), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "dashboard-2018-top.png"))
    page.locator("#trend-title").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dashboard-2018-charts.png"))
    # The printed page: tables of every chart shown, no navigation or filters.
    page.emulate_media(media="print")
    assert page.locator("#table-trend").is_visible() and not page.locator("form.filters").is_visible()
    page.screenshot(path=str(artifacts / "dashboard-2018-print.png"), full_page=True)

    assert seen["outside"] == []
    assert seen["errors"] == []


def test_clicking_a_bar_opens_that_units_dashboard(page, seeded_live_server):
    server = seeded_live_server
    seen = watch(page, server)
    login(page, server, "leader")
    page.goto(f"{server.url}/?year=2018&indicator=website_articles")
    first = page.evaluate(
        """() => { const c = Chart.getChart('chart-ranking'); const bar = c.getDatasetMeta(0).data[0];
                   return {x: bar.x - 5, y: bar.y, label: c.data.labels[0]}; }"""
    )
    page.locator("#chart-ranking").click(position={"x": first["x"], "y": first["y"]})
    page.wait_for_url("**unit=HT-*")
    assert page.get_by_role("heading", name=f"Tổng quan: {first['label']}").is_visible()
    assert seen["errors"] == []


def test_figure_drill_down_from_a_tile(page, seeded_live_server, artifacts):
    server = seeded_live_server
    login(page, server, "leader")
    page.goto(f"{server.url}/?year=2018&section=A")
    page.locator(".tile", has_text="Lượt người dân, doanh nghiệp").locator(".tile-figure a").click()
    assert page.get_by_role("heading", name="Lượt người dân, doanh nghiệp được tập huấn về dịch vụ công trực tuyến").is_visible()
    assert page.get_by_text("14 đơn vị có số liệu tạo nên con số trên").is_visible()
    page.screenshot(path=str(artifacts / "dashboard-figure-2018.png"), full_page=True)


def test_the_2018_heat_table_fits_and_the_donut_legend_reads_whole(page, seeded_live_server, artifacts):
    server = seeded_live_server
    seen = watch(page, server)
    login(page, server, "leader")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server.url}/?year=2018")
    page.wait_for_load_state("networkidle")
    heat = page.locator(".heat-table")
    heat.scroll_into_view_if_needed()
    fits = page.evaluate(
        "() => { const t = document.querySelector('.heat-table'); return t.scrollWidth <= t.parentElement.clientWidth + 1; }"
    )
    assert fits  # no column scrolls off
    cells = heat.locator("tbody td")
    dashes = sum(1 for t in cells.all_inner_texts() if t.strip() == "—")
    assert cells.count() > 0 and dashes < cells.count() / 2
    page.screenshot(path=str(artifacts / "dashboard-2018-heat.png"))
    legend = page.locator("#legend-composition li")
    assert legend.count() == 4
    for item in legend.all():
        box = item.bounding_box()
        # each label is shown whole: its text is not wider than its line
        assert item.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), item.inner_text()
        assert box["height"] > 0
    assert "Tuyên truyền trên các cơ quan thông tấn, báo chí" in legend.first.inner_text()
    page.locator("#mix-title").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dashboard-2018-donut.png"))
    assert seen["errors"] == []


def test_a_districts_dashboard_shows_only_what_it_reports(page, seeded_live_server, artifacts):
    server = seeded_live_server
    login(page, server, "leader")
    page.goto(f"{server.url}/?unit=HT-443&year=2018")
    names = page.locator(".tile .tile-name").all_inner_texts()
    assert names and not any("Đài Phát thanh" in n or "báo in" in n or "cấp tỉnh và cấp huyện" in n for n in names)
    assert page.locator(".tile", has_text="Lượt chương trình phát thanh").locator(".tile-figure a").inner_text().strip() == "215"
    page.screenshot(path=str(artifacts / "dashboard-2018-can-loc.png"), full_page=True)
