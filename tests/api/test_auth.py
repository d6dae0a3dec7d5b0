"""Who gets in: tokens (digest-only, expiring), sessions with CSRF, nobody anonymous."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from indicators.models import DataValue
from organizations.models import Membership, OrgUnit, Role

ENDPOINTS = [
    "/api/v1/indicators/",
    "/api/v1/indicators/website_articles/",
    "/api/v1/org-units/",
    "/api/v1/org-units/HT/",
    "/api/v1/campaigns/",
    "/api/v1/values/",
    "/api/v1/values/csv/",
    "/api/v1/submissions/",
    "/api/v1/aggregates/?year=2018&org_unit=HT",
    "/api/v1/reports/annual/2018/?org_unit=HT",
]
WRITES = [
    ("/api/v1/values/", [{"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 1, "value": 5}]),
    ("/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2019, "quarter": 1}),
    ("/api/v1/submissions/1/approve/", {}),
    ("/api/v1/submissions/1/return/", {"comment": "x"}),
    ("/api/v1/submissions/1/reopen/", {"comment": "x"}),
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_reads_are_refused_with_401_and_a_token_challenge(anon, url):
    r = anon.get(url)
    assert r.status_code == 401
    assert r["WWW-Authenticate"] == "Token"
    assert r.json()["code"] == "not_authenticated"
    assert r.json()["detail"] == "Thông tin đăng nhập không được cung cấp."


@pytest.mark.parametrize(("url", "body"), WRITES)
def test_anonymous_writes_are_refused_and_save_nothing(anon, url, body):
    before = DataValue.objects.count()
    r = anon.post(url, body, format="json")
    assert r.status_code == 401
    assert DataValue.objects.count() == before


def test_a_token_from_the_command_authenticates_and_is_stored_only_as_a_digest(clerk_can_loc):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "canloc", "--days", "7", stdout=out, stderr=err)
    token = out.getvalue().strip().splitlines()[-1]
    stored = AuthToken.objects.get(user=clerk_can_loc)
    assert token not in (stored.digest, stored.token_key) and stored.digest != token
    assert timedelta(days=6, hours=23) < stored.expiry - timezone.now() <= timedelta(days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.get("/api/v1/org-units/")
    assert r.status_code == 200
    assert [u["code"] for u in r.json()["results"]] == ["HT-443"]


def test_create_api_token_refuses_unknown_users_and_silly_lifetimes(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="--days"):
        call_command("create_api_token", "canloc", "--days", "0", stdout=io.StringIO(), stderr=io.StringIO())


def test_an_expired_token_is_refused(clerk_can_loc):
    instance, token = AuthToken.objects.create(user=clerk_can_loc, expiry=timedelta(days=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/indicators/").status_code == 401


def test_a_token_of_an_inactive_user_is_refused(clerk_can_loc):
    _instance, token = AuthToken.objects.create(user=clerk_can_loc, expiry=timedelta(days=1))
    clerk_can_loc.is_active = False
    clerk_can_loc.save(update_fields=["is_active"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.get("/api/v1/org-units/")
    assert r.status_code == 401 and r.json()["detail"] == "Người dùng không còn hoạt động, hoặc đã bị xoá."


def test_the_token_its_user_and_every_membership_are_read_in_one_query(clerk_can_loc, outsider):
    """Two memberships (a clerk of Can Loc, a reviewer of Huong Khe) reach both units; no membership reaches none."""
    Membership.objects.create(user=clerk_can_loc, org_unit=OrgUnit.objects.get(code="HT-444"), role=Role.REVIEWER)
    _instance, token = AuthToken.objects.create(user=clerk_can_loc, expiry=timedelta(days=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/api/v1/org-units/?page_size=500")
    codes = {u["code"] for u in r.json()["results"]}
    assert "HT-443" in codes and "HT-444" in codes and "HT" not in codes
    assert codes - {"HT-443"} == set(
        OrgUnit.objects.filter(path__startswith=OrgUnit.objects.get(code="HT-444").path).values_list("code", flat=True)
    )
    lookups = [q["sql"] for q in ctx.captured_queries if "membership" in q["sql"].lower()]
    assert len(lookups) == 1 and "authtoken" in lookups[0].lower(), lookups

    _instance, token = AuthToken.objects.create(user=outsider, expiry=timedelta(days=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.get("/api/v1/org-units/")
    assert r.status_code == 200 and r.json()["results"] == []


def test_a_wrong_token_is_refused_in_english_when_asked(db):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    r = client.get("/api/v1/indicators/")
    assert r.status_code == 401
    assert r.json()["detail"] == "Invalid token."


def test_a_wrong_token_is_refused_in_vietnamese_by_default(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    r = client.get("/api/v1/indicators/")
    assert r.json()["detail"] == "Mã xác thực (token) không hợp lệ."


def test_session_clients_must_send_the_csrf_token_to_write(clerk_can_loc):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(clerk_can_loc)
    assert client.get("/api/v1/values/").status_code == 200
    row = [{"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 1, "value": 5}]
    r = client.post("/api/v1/values/", row, format="json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019).exists()

    client.get("/api/v1/indicators/")  # any page; the cookie comes from the login page in a browser
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    r = client.post("/api/v1/values/", row, format="json", HTTP_X_CSRFTOKEN=secret)
    assert r.status_code == 200, r.json()
    assert DataValue.objects.get(org_unit__code="HT-443", year=2019, quarter=1, indicator__code="website_articles").value == 5


def test_token_clients_are_throttled_but_sessions_are_not(as_user, clerk_can_loc, monkeypatch):
    from api.throttling import TokenClientThrottle

    monkeypatch.setattr(TokenClientThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    client = as_user(clerk_can_loc)
    codes = [client.get("/api/v1/indicators/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/api/v1/indicators/")
    assert r.json()["code"] == "throttled"
    assert "Retry-After" in r

    session = APIClient()
    session.force_login(clerk_can_loc)
    assert all(session.get("/api/v1/indicators/").status_code == 200 for _ in range(5))


def test_schema_and_docs_are_served_without_a_cdn(anon):
    schema = anon.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    doc = schema.json()
    assert "/api/v1/values/" in doc["paths"]
    assert (
        doc["components"]["securitySchemes"]["tokenAuth"]["type"] == "http" or "tokenAuth" in doc["components"]["securitySchemes"]
    )
    assert "Error" in doc["components"]["schemas"]
    docs = anon.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.parametrize("path", ["nothing-here/", "submissions/a%0Ab/", "org-units/HT%0A/", "values/1/"])
def test_unknown_api_paths_are_a_json_404(as_user, reviewer, path):
    r = as_user(reviewer).get(f"/api/v1/{path}")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json" and r.json()["code"] == "not_found"
