"""Pushing values: all or nothing through indicators.services, per role, with every bad input a 400."""

import pytest
from django.utils import timezone

from indicators.models import Channel, DataValue, ValueChange
from organizations.models import Membership, OrgUnit, Role

URL = "/api/v1/values/"


def row(**over):
    base = {"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 1, "value": 25, "note": ""}
    base.update(over)
    return base


def quarter_rows():
    """A district's quarter: a count, a ratio, a count in text form."""
    return [
        row(),
        row(indicator="grassroots_stations_active", value=None, numerator=20, denominator=22),
        row(indicator="grassroots_radio_broadcasts", value="130", note="Theo báo cáo của các xã"),
    ]


def cells_2019():
    return DataValue.objects.filter(year=2019).count()


def test_a_clerk_pushes_a_quarter_and_each_change_is_audited_as_api(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, quarter_rows(), format="json")
    assert r.status_code == 200, r.json()
    assert r.json() == {"created": 3, "updated": 0, "cleared": 0, "unchanged": 0, "dry_run": False}
    stations = DataValue.objects.get(org_unit__code="HT-443", indicator__code="grassroots_stations_active", year=2019, quarter=1)
    assert (stations.numerator, stations.denominator, stations.updated_by) == (20, 22, clerk_can_loc)
    assert DataValue.objects.get(indicator__code="grassroots_radio_broadcasts", year=2019).note == "Theo báo cáo của các xã"
    changes = ValueChange.objects.filter(year=2019)
    assert changes.count() == 3 and set(changes.values_list("channel", flat=True)) == {Channel.API}


def test_pushing_again_updates_and_an_empty_row_clears_a_cell(as_user, clerk_can_loc):
    client = as_user(clerk_can_loc)
    client.post(URL, quarter_rows(), format="json")
    r = client.post(URL, [row(value=30), row(indicator="grassroots_radio_broadcasts", value=None)], format="json")
    assert r.json() == {"created": 0, "updated": 1, "cleared": 1, "unchanged": 0, "dry_run": False}
    cell = DataValue.objects.get(indicator__code="website_articles", year=2019, org_unit__code="HT-443")
    assert (cell.value, cell.version) == (30, 2)
    assert not DataValue.objects.filter(indicator__code="grassroots_radio_broadcasts", year=2019).exists()


def test_dry_run_validates_and_saves_nothing(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL + "?dry_run=true", quarter_rows(), format="json")
    assert r.status_code == 200 and r.json()["created"] == 3 and r.json()["dry_run"] is True
    assert cells_2019() == 0


BAD_BODIES = [
    # (body, expected errors as (index, field))
    ({"org_unit": "HT-443"}, [(None, "")]),
    ([], [(None, "")]),
    ("not json rows", [(None, "")]),
    ([row(), "a string"], [(1, "")]),
    ([row(), row(valeu=5)], [(1, "valeu")]),
    ([row(version="2")], [(0, "version")]),
    ([row(indicator="nope")], [(0, "indicator")]),
    ([row(year=1999)], [(0, "year")]),
    ([row(year="hai nghìn")], [(0, "year")]),
    ([row(quarter=5)], [(0, "quarter")]),
    ([row(value=-1)], [(0, "value")]),
    ([row(value=2.5)], [(0, "value")]),
    ([row(value="12a")], [(0, "value")]),
    ([row(value=1e300)], [(0, "value")]),
    ([row(value=True)], [(0, "value")]),
    ([row(value={"x": 1})], [(0, "value")]),
    ([row(numerator=1, denominator=2)], [(0, "numerator")]),
    ([row(indicator="grassroots_stations_active", value=None, numerator=23, denominator=22)], [(0, "numerator")]),
    ([row(indicator="grassroots_stations_active", value=None, numerator=1, denominator=0)], [(0, "denominator")]),
    ([row(indicator="grassroots_stations_active", value=None, numerator=1, denominator=10**30)], [(0, "denominator")]),
    ([row(indicator="grassroots_stations_active", value=5)], [(0, "value")]),
    ([row(indicator="ecommerce_booths")], [(0, "indicator")]),  # a department indicator
    ([row(note="x" * 1001)], [(0, "note")]),
    ([row(), row()], [(1, "indicator")]),  # the same cell twice
    ([row(year=2018)], [(0, "org_unit")]),  # 2018 is approved: locked
    # A good row among bad ones is not saved either; every bad row is reported.
    ([row(), row(quarter=0), row(quarter=3, value=-3), "x"], [(1, "quarter"), (2, "value"), (3, "")]),
]


@pytest.mark.parametrize(("body", "expected"), BAD_BODIES)
def test_every_bad_input_is_a_400_listing_each_row_and_saves_nothing(as_user, clerk_can_loc, body, expected):
    before = (DataValue.objects.count(), ValueChange.objects.count())
    r = as_user(clerk_can_loc).post(URL, body, format="json")
    assert r.status_code == 400, r.json()
    body_out = r.json()
    assert body_out["code"] == "invalid"
    assert [(e["index"], e["field"]) for e in body_out["errors"]] == expected
    assert all(e["message"] for e in body_out["errors"])
    assert (DataValue.objects.count(), ValueChange.objects.count()) == before


def test_malformed_json_is_a_400_in_vietnamese(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, "[{", content_type="application/json")
    assert r.status_code == 400
    assert r.json()["detail"] == "Nội dung gửi lên không phải JSON hợp lệ."


def test_a_form_post_is_refused_as_unsupported(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, {"org_unit": "HT-443"})
    assert r.status_code == 415
    assert cells_2019() == 0


def test_too_many_rows_are_refused(as_user, clerk_can_loc, monkeypatch):
    monkeypatch.setattr("api.views.MAX_ROWS", 2)
    r = as_user(clerk_can_loc).post(URL, quarter_rows(), format="json")
    assert r.status_code == 400 and "2" in r.json()["errors"][0]["message"]


def test_messages_are_english_when_asked(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc, language="en").post(URL, [row(value=-1)], format="json")
    assert r.json()["detail"] == "Invalid data; no row was saved."
    assert r.json()["errors"][0]["message"] == "The value must be a non-negative whole number (got «-1»)."


def test_messages_are_vietnamese_by_default(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, [row(value=-1)], format="json")
    assert r.json()["errors"][0]["message"] == "Giá trị phải là số nguyên không âm (nhận được «-1»)."


def test_a_clerk_writing_another_unit_gets_404_and_nothing_is_saved(as_user, clerk_can_loc):
    # A unit the clerk cannot read looks exactly like one that does not exist.
    body = [row(), row(org_unit="HT-444"), row(org_unit="NOPE")]
    r = as_user(clerk_can_loc).post(URL, body, format="json")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert r.json()["errors"] == [
        {"index": 1, "field": "org_unit", "message": "Không tìm thấy đơn vị «HT-444»."},
        {"index": 2, "field": "org_unit", "message": "Không tìm thấy đơn vị «NOPE»."},
    ]
    assert cells_2019() == 0


def test_a_department_clerk_cannot_write_a_district(as_user, clerk_stttt):
    r = as_user(clerk_stttt).post(URL, [row()], format="json")
    assert r.status_code == 404
    assert cells_2019() == 0


def test_a_clerk_who_also_reviews_gets_403_for_a_unit_read_but_not_entered(as_user, clerk_can_loc):
    Membership.objects.create(user=clerk_can_loc, org_unit=OrgUnit.objects.get(code="HT-444"), role=Role.REVIEWER)
    r = as_user(clerk_can_loc).post(URL, [row(), row(org_unit="HT-444")], format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(1, "org_unit")]
    assert cells_2019() == 0


@pytest.mark.parametrize(
    ("field", "bad"),
    [("note", 0), ("org_unit", 443), ("year", "2019"), ("quarter", 1.0), ("version", "1"), ("value", True), ("value", "abc")],
)
def test_a_row_of_the_wrong_type_is_a_400_naming_the_field(as_user, clerk_can_loc, field, bad):
    r = as_user(clerk_can_loc).post(URL, [row(), row(**{field: bad})], format="json")
    assert r.status_code == 400
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(1, field)]
    assert cells_2019() == 0


@pytest.mark.parametrize("persona", ["leader", "reviewer", "district_reviewer", "outsider"], indirect=True)
def test_read_only_roles_get_403_on_write(as_user, persona):
    r = as_user(persona).post(URL, [row()], format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == "Tài khoản của bạn chỉ được đọc số liệu, không được ghi."
    assert cells_2019() == 0


def test_an_admin_may_write_any_unit(as_user, admin_user):
    r = as_user(admin_user).post(URL, [row(), row(org_unit="HT-444")], format="json")
    assert r.status_code == 200 and r.json()["created"] == 2


def test_a_stale_version_is_a_409_and_nothing_is_saved(as_user, clerk_can_loc):
    client = as_user(clerk_can_loc)
    client.post(URL, [row()], format="json")  # version 1
    client.post(URL, [row(value=26, version=1)], format="json")  # version 2
    r = client.post(URL, [row(quarter=2, value=7), row(value=99, version=1)], format="json")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "conflict"
    assert body["conflicts"][0]["current_version"] == 2 and body["conflicts"][0]["index"] == 1
    assert "row" not in body["conflicts"][0]  # one error shape: `index` everywhere
    stored = DataValue.objects.get(indicator__code="website_articles", year=2019, quarter=1, org_unit__code="HT-443")
    assert body["conflicts"][0]["updated_at"] == timezone.localtime(stored.updated_at).isoformat(timespec="microseconds")
    assert body["conflicts"][0]["updated_at"].endswith("+07:00")
    assert body["errors"] == [{"index": 1, "field": "version", "message": "Phiên bản hiện tại là 2."}]
    assert DataValue.objects.get(indicator__code="website_articles", year=2019, quarter=1, org_unit__code="HT-443").value == 26
    assert not DataValue.objects.filter(year=2019, quarter=2).exists()


def test_version_zero_means_the_writer_saw_an_empty_cell(as_user, clerk_can_loc):
    client = as_user(clerk_can_loc)
    assert client.post(URL, [row(version=0)], format="json").status_code == 200
    assert client.post(URL, [row(value=1, version=0)], format="json").status_code == 409


def test_text_the_database_cannot_store_is_a_400(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, [row(org_unit="HT-443\x00")], format="json")
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
    r = as_user(clerk_can_loc).post(URL, '[{"org_unit": "\\udaa6"}]', content_type="application/json")
    assert r.status_code == 400
    assert cells_2019() == 0
