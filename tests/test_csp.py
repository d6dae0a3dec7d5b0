"""The Content-Security-Policy: a strict header on every kind of response, and templates that need nothing
inline (the browser tests in tests/e2e check that no page reports a violation)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Written to a file by export_report --format html, never served: its stylesheet is inlined on purpose.
EXPORT_ONLY = {"reports/annual_standalone.html"}


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/entry/", "/review/", "/admin/", "/api/v1/docs/", "/api/v1/docs/?script"]
)
def test_every_response_carries_the_strict_policy(client, admin_user, path):
    client.force_login(admin_user)
    r = client.get(path)
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_api_docs_load_their_init_script_from_a_url_not_inline(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/api/v1/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "/api/v1/docs/?script" in html
    assert "<style" not in html and "/static/css/swagger.css" in html
    js = client.get("/api/v1/docs/?script")
    assert js.headers["Content-Type"].startswith("application/javascript") and "SwaggerUIBundle" in js.content.decode()


def test_no_template_has_inline_script_style_or_handlers():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in EXPORT_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            found.append(f"{name}: inline <script> {m.group(0)}")
        for pattern, what in [
            (r"<style\b", "<style>"),
            (r"\sstyle=", "style attribute"),
            (r"\son[a-z]+=", "event handler"),
            (r"javascript:", "javascript: URL"),
        ]:
            if re.search(pattern, text):
                found.append(f"{name}: {what}")
    assert found == []


def test_no_form_widget_sets_an_inline_style():
    apps = ["api", "campaigns", "indicators", "organizations", "reform_portal", "reports"]
    found = [
        str(path.relative_to(settings.BASE_DIR))
        for app in apps
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if re.search(r"""["']style["']\s*:""", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_narrative_form_needs_no_inline_style(client, reviewer):
    client.force_login(reviewer)
    html = client.get("/reports/annual/2018/narrative/").content.decode()
    assert " style=" not in html and 'class="order-input"' in html
