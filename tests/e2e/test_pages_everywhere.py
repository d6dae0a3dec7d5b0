"""Every page at phone size (390×844) and on a desktop: nothing sticks out sideways, the entry form's
inputs are all on screen and labelled, no Content-Security-Policy violation, no serious or critical
accessibility violation (axe-core). Screenshots go to test-artifacts/ (phone-*.png, desktop-*.png)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, CspWatch, axe_violations, login, no_horizontal_overflow

# (name, who, path): who None = not logged in.
PAGES = [
    ("login", None, "/accounts/login/"),
    ("dashboard", "leader", "/?year=2018"),
    ("entry-list", "canloc", "/entry/?year=2019"),
    ("entry-form", "canloc", "/entry/HT-443/2019/1/"),
    ("entry-form-locked", "canloc", "/entry/HT-443/2018/4/"),
    ("entry-history", "canloc", "/entry/HT-443/2018/4/history/"),
    ("password-change", "canloc", "/accounts/password_change/"),
    ("review", "reviewer", "/review/?year=2018&quarter=4"),
    ("report", "reviewer", "/reports/annual/2018/"),
    ("narrative", "reviewer", "/reports/annual/2018/narrative/"),
    ("admin", "admin", "/admin/"),
    ("api-docs", "admin", "/api/v1/docs/"),
]
AXE_PAGES = {"login", "dashboard", "entry-list", "entry-form", "entry-form-locked", "review", "report"}


def open_as(browser, browser_context_args, server, who, viewport, **extra):
    context = browser.new_context(**{**browser_context_args, "viewport": viewport, **extra})
    page = context.new_page()
    watch = CspWatch(page)
    if who:
        login(page, server, who)
    return context, page, watch


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_fits_the_screen_and_breaks_no_content_security_policy(
    browser, browser_context_args, seeded_live_server, artifacts, size
):
    server = seeded_live_server
    viewport = PHONE if size == "phone" else DESKTOP
    extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if size == "phone" else {}
    problems = {}
    for who in dict.fromkeys(w for _n, w, _p in PAGES):
        context, page, watch = open_as(browser, browser_context_args, server, who, viewport, **extra)
        for name, page_who, path in PAGES:
            if page_who != who:
                continue
            response = page.goto(server.url + path)
            assert response.status == 200, (name, response.status)
            page.wait_for_load_state("networkidle")
            if name == "api-docs":
                expect(page.locator(".swagger-ui .info .title")).to_contain_text("Reform Portal API")
            if name == "dashboard":
                expect(page.locator("canvas").first).to_be_visible()
            page.screenshot(path=str(artifacts / f"{size}-{name}.png"))
            page.screenshot(path=str(artifacts / f"{size}-{name}-full.png"), full_page=True)
            scroll, inner = no_horizontal_overflow(page)
            if name != "api-docs" and scroll > inner:  # Swagger UI's own layout is not ours to fit
                problems[f"{name}: page {scroll}px wide in {inner}px"] = True
            violations = watch.violations()
            if violations:
                problems[f"{name}: CSP {violations}"] = True
        context.close()
    assert list(problems) == []


def test_on_a_phone_every_input_of_the_entry_form_is_visible_and_labelled(
    browser, browser_context_args, seeded_live_server, artifacts
):
    context, page, _watch = open_as(
        browser, browser_context_args, seeded_live_server, "canloc", PHONE, is_mobile=True, has_touch=True
    )
    page.goto(f"{seeded_live_server.url}/entry/HT-443/2019/1/")
    inputs = page.locator("#entry-form input.num, #entry-form input.note")
    count = inputs.count()
    assert count >= 40  # 21 district indicators: value or numerator+denominator, and a note each
    width = page.evaluate("window.innerWidth")
    unlabelled, off_screen = [], []
    for i in range(count):
        box_input = inputs.nth(i)
        box_input.scroll_into_view_if_needed()
        name = box_input.get_attribute("name")
        label = box_input.evaluate("el => el.labels.length ? el.labels[0].textContent.trim() : ''")
        if not label:
            unlabelled.append(name)
        box = box_input.bounding_box()
        if not box_input.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width or box["width"] < 60:
            off_screen.append((name, box))
    assert unlabelled == [] and off_screen == []
    # The menu is folded behind its button, and opens.
    expect(page.locator("#site-menu").get_by_role("link", name="Nhập số liệu", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#site-menu").get_by_role("link", name="Nhập số liệu", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "phone-menu-open.png"))
    page.get_by_role("button", name="Menu").click()
    page.locator("#row-leaflets_issued").screenshot(path=str(artifacts / "phone-entry-card.png"))
    context.close()


def test_no_serious_or_critical_accessibility_violation(browser, browser_context_args, seeded_live_server):
    server = seeded_live_server
    found = {}
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for who in dict.fromkeys(w for n, w, _p in PAGES if n in AXE_PAGES):
            context, page, _watch = open_as(browser, browser_context_args, server, who, viewport)
            for name, page_who, path in PAGES:
                if page_who != who or name not in AXE_PAGES:
                    continue
                page.goto(server.url + path)
                page.wait_for_load_state("networkidle")
                violations = axe_violations(page)
                if violations:
                    found[f"{size} {name}"] = violations
            context.close()
    assert found == {}


def test_the_vendored_axe_core_is_the_published_4_14_1():
    import base64
    import hashlib

    from tests.e2e.conftest import AXE

    digest = base64.b64encode(hashlib.sha256(AXE.read_bytes()).digest()).decode()
    # axe-core's own sri-history.json for 4.14.1 (npm pack axe-core@4.14.1)
    assert digest == "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.14.1")
