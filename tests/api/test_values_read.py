"""Reading values: each role sees the values of the units it may read, filtered, paged by cursor, as JSON or CSV."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.models import DataValue
from organizations.models import OrgUnit


def all_pages(client, url):
    rows = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.content
        rows += r.json()["results"]
        url = r.json()["next"]
    return rows


def units_of(rows):
    return {r["org_unit"] for r in rows}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_can_loc", lambda: {"HT-443"}),
        ("clerk_stttt", lambda: {"HT-STTTT"}),
        ("district_reviewer", lambda: {"HT-444"}),
        ("reviewer", lambda: set(DataValue.objects.filter(year=2018).values_list("org_unit__code", flat=True))),
        ("leader", lambda: set(DataValue.objects.filter(year=2018).values_list("org_unit__code", flat=True))),
        ("admin_user", lambda: set(DataValue.objects.filter(year=2018).values_list("org_unit__code", flat=True))),
        ("outsider", lambda: set()),
    ],
    indirect=["persona"],
)
def test_each_role_sees_the_values_of_the_units_it_may_read(as_user, persona, expected):
    rows = all_pages(as_user(persona), "/api/v1/values/?year=2018&page_size=1000")
    assert units_of(rows) == expected()


def test_a_value_row_has_codes_plain_numbers_and_its_version(as_user, clerk_can_loc):
    rows = all_pages(as_user(clerk_can_loc), "/api/v1/values/?indicator=website_articles&quarter=1&year=2018")
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "version")} == {
        "org_unit": "HT-443",
        "indicator": "website_articles",
        "year": 2018,
        "quarter": 1,
        "value": "109",
        "numerator": None,
        "denominator": None,
        "version": 1,
    }
    ratio = all_pages(as_user(clerk_can_loc), "/api/v1/values/?indicator=grassroots_stations_active&quarter=4&year=2018")[0]
    assert ratio["value"] is None and ratio["numerator"] <= ratio["denominator"]


def test_filters_by_section_group_quarter_and_unit_subtree(as_user, reviewer):
    client = as_user(reviewer)
    section_b = all_pages(client, "/api/v1/values/?year=2018&section=B&page_size=1000")
    assert section_b and all(
        r["indicator"] in set(DataValue.objects.filter(indicator__section="B").values_list("indicator__code", flat=True))
        for r in section_b
    )
    press = all_pages(client, "/api/v1/values/?group=press&quarter=2&page_size=1000")
    assert press and {r["quarter"] for r in press} == {2}
    assert len(press) == DataValue.objects.filter(indicator__group__code="press", quarter=2).count()
    own = all_pages(client, "/api/v1/values/?org_unit=HT&page_size=1000")
    assert units_of(own) == {"HT"}
    subtree = all_pages(client, "/api/v1/values/?org_unit=HT&include_descendants=true&page_size=1000")
    assert len(subtree) == DataValue.objects.filter(org_unit__path__startswith="/HT/").count()


def test_updated_since_returns_only_newer_changes(as_user, reviewer):
    from datetime import timedelta

    from django.utils import timezone

    DataValue.objects.filter(org_unit__code="HT-444", quarter=1).update(updated_at=timezone.now() + timedelta(days=1))
    since = (timezone.now() + timedelta(hours=12)).isoformat().replace("+00:00", "Z")
    rows = all_pages(as_user(reviewer), f"/api/v1/values/?updated_since={since}&page_size=1000")
    assert units_of(rows) == {"HT-444"} and {r["quarter"] for r in rows} == {1}


def test_cursor_pages_cover_every_row_once_and_announce_the_next_page(as_user, reviewer):
    client = as_user(reviewer)
    r = client.get("/api/v1/values/?year=2018&page_size=50")
    assert len(r.json()["results"]) == 50
    assert r["Link"].endswith('rel="next"') and r.json()["next"] in r["Link"]
    rows = all_pages(client, "/api/v1/values/?year=2018&page_size=50")
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == DataValue.objects.filter(year=2018).count()
    assert ids == sorted(ids)


def test_page_size_is_capped(as_user, reviewer, monkeypatch):
    from api.pagination import ValueCursorPagination

    monkeypatch.setattr(ValueCursorPagination, "max_page_size", 3)
    r = as_user(reviewer).get("/api/v1/values/?page_size=100000")
    assert len(r.json()["results"]) == 3 and r.json()["next"]


def test_csv_export_has_the_import_columns(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).get("/api/v1/values/csv/?year=2018&indicator=website_articles")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert list(rows[0])[:8] == ["org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "note"]
    stored = DataValue.objects.filter(org_unit__code="HT-443", indicator__code="website_articles", year=2018).order_by("id")
    assert [(row["quarter"], row["value"]) for row in rows] == [(str(v.quarter), str(int(v.value))) for v in stored]
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("indicator=no-such-indicator", "indicator"),
        ("year=abc", "year"),
        ("year=99999999999999999999", "year"),
        ("quarter=5", "quarter"),
        ("section=C", "section"),
        ("group=nope", "group"),
        ("updated_since=yesterday", "updated_since"),
        ("include_descendants=maybe", "include_descendants"),
        ("org_unit=HT%00", "org_unit"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(as_user, clerk_can_loc, query, field):
    r = as_user(clerk_can_loc).get(f"/api/v1/values/?{query}")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and body["detail"] == "Dữ liệu không hợp lệ."
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize("code", ["NOPE", "HT-444"])  # HT-444 exists, but the Can Loc clerk may not read it
def test_an_unknown_or_foreign_unit_is_a_404_naming_the_parameter(as_user, clerk_can_loc, code):
    r = as_user(clerk_can_loc).get(f"/api/v1/values/?org_unit={code}")
    assert r.status_code == 404
    assert r.json()["errors"] == [{"index": None, "field": "org_unit", "message": f"Không tìm thấy đơn vị «{code}»."}]


def test_bad_filters_are_a_400_as_json_even_when_csv_was_asked(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).get("/api/v1/values/csv/?quarter=9")
    assert r.status_code == 400 and r["Content-Type"] == "application/json"


def test_a_bad_cursor_is_a_404(as_user, reviewer):
    r = as_user(reviewer).get("/api/v1/values/?cursor=garbage")
    assert r.status_code == 404
    assert r.json()["detail"] == "Con trỏ phân trang không hợp lệ."


def test_the_list_runs_the_same_number_of_queries_whatever_the_page_size(as_user, reviewer):
    client = as_user(reviewer)
    counts = {}
    for size in (1, 10, 500):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(
                f"/api/v1/values/?year=2018&section=A&indicator=website_articles&org_unit=HT&include_descendants=true&page_size={size}"
            )
        assert r.status_code == 200 and len(r.json()["results"]) == min(
            size, DataValue.objects.filter(indicator__code="website_articles", year=2018).count()
        )
        counts[size] = len(ctx.captured_queries)
    assert counts[1] == counts[10] == counts[500], counts
    assert counts[500] <= 4  # the token with its user and memberships, the indicator, the unit, the page


ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+07:00$")


def test_timestamps_are_one_iso_8601_format_with_offset_in_json_csv_and_submissions(as_user, reviewer):
    client = as_user(reviewer)
    stored = DataValue.objects.filter(org_unit__code="HT-443", indicator__code="website_articles", year=2018, quarter=1).get()
    json_row = client.get("/api/v1/values/?org_unit=HT-443&indicator=website_articles&year=2018&quarter=1").json()["results"][0]
    csv_row = next(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/values/csv/?org_unit=HT-443&indicator=website_articles&year=2018&quarter=1").content.decode()
            )
        )
    )
    assert (
        json_row["updated_at"]
        == csv_row["updated_at"]
        == timezone.localtime(stored.updated_at).isoformat(timespec="microseconds")
    )
    assert ISO_WITH_OFFSET.match(json_row["updated_at"])
    sub = client.get("/api/v1/submissions/?org_unit=HT-443&year=2018").json()["results"][0]
    assert ISO_WITH_OFFSET.match(sub["updated_at"]) and ISO_WITH_OFFSET.match(sub["submitted_at"])


def csv_rows(response) -> list[dict]:
    return list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig"))
        )
    )


def test_csv_all_true_streams_every_row_of_the_filter_in_one_file(as_user, reviewer):
    url = "/api/v1/values/csv/?org_unit=HT&include_descendants=true&year=2018&all=true"
    r = as_user(reviewer).get(url)
    assert r.status_code == 200 and r["Content-Type"] == "text/csv; charset=utf-8" and "Link" not in r
    rows = csv_rows(r)
    expected = DataValue.objects.filter(year=2018, org_unit__path__startswith=OrgUnit.objects.get(code="HT").path)
    assert len(rows) == expected.count() > 500  # more than one JSON page
    assert [int(x["id"]) for x in rows] == sorted(expected.values_list("id", flat=True))


def test_csv_without_all_is_one_page_with_the_next_in_the_link_header(as_user, reviewer):
    r = as_user(reviewer).get("/api/v1/values/csv/?year=2018&page_size=10")
    assert len(csv_rows(r)) == 10 and r["Link"].endswith('rel="next"')


def test_csv_for_token_clients_has_no_bom_unless_asked(as_user, clerk_can_loc):
    client = as_user(clerk_can_loc)
    plain = client.get("/api/v1/values/csv/?year=2018")
    assert plain.content.startswith(b"org_unit,")
    asked = client.get("/api/v1/values/csv/?year=2018&bom=1")
    assert asked.content.startswith(b"\xef\xbb\xbforg_unit,")
    streamed = client.get("/api/v1/values/csv/?year=2018&bom=true&all=true")
    assert b"".join(streamed.streaming_content).startswith(b"\xef\xbb\xbforg_unit,")


def test_the_old_format_csv_on_the_list_points_to_the_csv_operation(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).get("/api/v1/values/?format=csv&year=2018")
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["errors"] == [{"index": None, "field": "format", "message": "Tệp CSV: dùng values/csv/ với cùng các bộ lọc."}]


def test_csv_downloaded_in_the_browser_has_a_bom_so_excel_reads_vietnamese(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/api/v1/values/csv/?year=2018&indicator=grassroots_stations_active&all=true")
    body = b"".join(r.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert client.get("/api/v1/values/csv/?year=2018&bom=0").content.startswith(b"org_unit,")
    assert "HT-443" in body.decode("utf-8-sig")


@pytest.mark.parametrize("query", ["all=maybe", "bom=2", "year=1999", "org_unit=HT-444"])
def test_bad_csv_parameters_are_json_errors(as_user, clerk_can_loc, query):
    r = as_user(clerk_can_loc).get(f"/api/v1/values/csv/?{query}")
    assert r.status_code in (400, 404) and r["Content-Type"] == "application/json"
    assert r.json()["errors"][0]["field"] == query.split("=")[0]


def _unapprove(code: str, year: int = 2018, quarter: int = 4) -> set[int]:
    """Send a unit's quarter back to draft; the ids of its values (which are now provisional)."""
    from indicators.models import Submission, SubmissionStatus

    assert Submission.objects.filter(org_unit__code=code, year=year, quarter=quarter).update(status=SubmissionStatus.DRAFT)
    ids = set(DataValue.objects.filter(org_unit__code=code, year=year, quarter=quarter).values_list("id", flat=True))
    assert ids
    return ids


def test_a_leader_reads_only_approved_values_a_reviewer_reads_drafts_too(as_user, leader, reviewer):
    drafts = _unapprove("HT-443")
    url = "/api/v1/values/?year=2018&quarter=4&page_size=5000"
    led = {r["id"] for r in all_pages(as_user(leader), url)}
    reviewed = {r["id"] for r in all_pages(as_user(reviewer), url)}
    assert led and not led & drafts
    assert drafts <= reviewed and reviewed - led == drafts


def test_a_leader_who_is_also_a_clerk_reads_the_drafts_of_their_own_unit_only(as_user, leader):
    from organizations.models import Membership, Role

    Membership.objects.create(user=leader, org_unit=OrgUnit.objects.get(code="HT-443"), role=Role.CLERK)
    own, other = _unapprove("HT-443"), _unapprove("HT-444")
    seen = {r["id"] for r in all_pages(as_user(leader), "/api/v1/values/?year=2018&quarter=4&page_size=5000")}
    assert own <= seen and not seen & other


def test_a_reviewer_who_also_leads_reads_the_drafts_of_the_subtree_they_review(as_user, district_reviewer):
    from organizations.models import Membership, Role

    Membership.objects.create(user=district_reviewer, org_unit=OrgUnit.objects.get(code="HT"), role=Role.LEADER)
    reviewed, led_only = _unapprove("HT-444"), _unapprove("HT-443")
    seen = {r["id"] for r in all_pages(as_user(district_reviewer), "/api/v1/values/?year=2018&quarter=4&page_size=5000")}
    assert reviewed <= seen and not seen & led_only
    others = DataValue.objects.filter(year=2018, quarter=4).exclude(org_unit__code__in=["HT-443", "HT-444"])
    assert set(others.values_list("id", flat=True)) <= seen  # approved values of the rest of the province


def test_a_page_costs_the_same_queries_for_a_district_and_the_whole_province(
    as_user, district_reviewer, reviewer, leader, clerk_can_loc
):
    """Visibility is decided once per request from the memberships, whatever the number of units they reach."""
    counts = {}
    for user in (district_reviewer, reviewer, leader, clerk_can_loc):
        client = as_user(user)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/values/?year=2018&page_size=50")
        assert r.status_code == 200 and r.json()["results"]
        counts[user.username] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts
    assert max(counts.values()) <= 2, counts  # the token with its user and their memberships, the page


def test_values_are_written_as_the_figures_formatter_writes_them():
    from decimal import Decimal

    from hypothesis import given
    from hypothesis import strategies as st

    from api.views import stored_decimal_text
    from indicators.formatting import plain

    @given(st.decimals(min_value=0, max_value=Decimal("99999999999999.99"), places=2))
    def same(d):
        assert stored_decimal_text(d) == plain(d)

    same()
    assert stored_decimal_text(Decimal("2213.00")) == "2213" and stored_decimal_text(Decimal("85.90")) == "85.9"
    assert stored_decimal_text(None) is None
