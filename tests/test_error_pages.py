"""Error pages: in the portal's layout, in the user's language, with a way back; JSON under /api/."""

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from reform_portal.errors import server_error

pytestmark = pytest.mark.django_db


def in_layout(html: str) -> bool:
    return 'class="site-header' in html and 'class="site-footer' in html and 'href="/"' in html


@override_settings(DEBUG=False)
def test_a_clerk_on_the_review_page_sees_the_vietnamese_403_page(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/review/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "Không có quyền truy cập" in html and "Về trang chủ" in html and in_layout(html)
    assert "403 Forbidden" not in html


@override_settings(DEBUG=False)
def test_the_403_page_in_english(client, clerk_can_loc):
    from organizations.language import language_save

    client.force_login(clerk_can_loc)
    session = client.session
    language_save(user=clerk_can_loc, session=session, language="en")  # the header's switch
    session.save()
    r = client.get("/review/")
    html = r.content.decode()
    assert r.status_code == 403 and "Access denied" in html and "Back to the home page" in html and '<html lang="en">' in html


@override_settings(DEBUG=False)
def test_a_foreign_units_form_gives_the_portals_404(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/entry/HT-444/2019/1/", HTTP_REFERER="http://testserver/entry/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "Không tìm thấy trang" in html and in_layout(html)
    assert 'href="http://testserver/entry/"' in html and "Quay lại trang trước" in html  # the way back
    assert "Huyện Hương Khê" not in html  # nothing of the foreign unit shows


@override_settings(DEBUG=False)
def test_the_way_back_never_points_to_another_site(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    html = client.get("/entry/HT-444/2019/1/", HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in html and "Quay lại trang trước" not in html


def test_an_unknown_api_address_keeps_the_json_error_shape(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/api/v1/no-such-thing/")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert r.json() == {"detail": "Không tìm thấy.", "code": "not_found", "errors": []}
    r = client.get("/api/v2/")  # outside the API's own router: the portal's handler answers in the same shape
    assert r.status_code == 404 and r.json() == {"detail": "Không tìm thấy trang", "code": "not_found", "errors": []}


def test_the_500_page_renders_without_a_database_query():
    request = RequestFactory().get("/entry/")
    with CaptureQueriesContext(connection) as queries:
        r = server_error(request)
    html = r.content.decode()
    assert r.status_code == 500 and len(queries) == 0
    assert "Lỗi hệ thống" in html and "không có thay đổi nào được lưu" in html and in_layout(html)


@pytest.mark.urls("tests.error_urls")
@override_settings(DEBUG=False)
def test_a_failing_view_gives_the_portals_500_page_and_the_api_its_json(client, clerk_can_loc):
    client.raise_request_exception = False
    client.force_login(clerk_can_loc)
    r = client.get("/boom/")
    assert r.status_code == 500 and "Lỗi hệ thống" in r.content.decode() and in_layout(r.content.decode())
    r = client.get("/api/v1/boom/")
    assert r.status_code == 500 and r.json()["code"] == "server_error"


def test_an_overlong_url_gets_the_portals_414_page(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/entry/" + "x" * 5000 + "/2019/1/")
    assert r.status_code == 414
    assert "Địa chỉ quá dài" in r.content.decode() and in_layout(r.content.decode())
    assert client.get("/entry/" + "x" * 3000 + "/2019/1/").status_code == 404  # long but allowed: the usual 404
    r = client.get("/api/v1/values/?org_unit=" + "x" * 5000)
    assert r.status_code == 400 and r.json()["code"] == "invalid"  # the API answers by its own contract
