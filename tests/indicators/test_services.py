"""values_save: one validation for every channel, all or nothing, audited."""

import pytest
from django.utils import translation

from indicators import workflow
from indicators.models import Channel, DataValue, Submission, ValueChange
from indicators.services import NotAllowed, ValueRow, VersionConflict, values_save
from reform_portal.tabular import RowsInvalid
from tests.indicators.builders import tree


def row(unit="HT-443", ind="leaflets_issued", year=2019, quarter=1, **kw):
    return ValueRow(unit, ind, year, quarter, **kw)


def errors_of(rows, **kw):
    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=rows, **kw)
    return [(e.row, e.field, str(e.message)) for e in exc.value.errors]


def cells_2019():
    return DataValue.objects.filter(year=2019).count()


@pytest.mark.parametrize(
    ("cell", "field", "message"),
    [
        (dict(value="abc"), "value", "Giá trị phải là số nguyên không âm (nhận được «abc»)."),
        (dict(value="-3"), "value", "Giá trị phải là số nguyên không âm (nhận được «-3»)."),
        (dict(value="2.5"), "value", "Giá trị phải là số nguyên không âm (nhận được «2.5»)."),
        (dict(ind="edoc_exchange_rate", unit="HT-443", value="101"), "value", "Tỷ lệ phải là số từ 0 đến 100 (nhận được «101»)."),
        (dict(ind="edoc_exchange_rate", unit="HT-443", value="50.123"), "value", "Tỷ lệ có nhiều nhất 2 chữ số thập phân."),
        (
            dict(ind="commune_websites", value="20"),
            "value",
            "Chỉ tiêu «commune_websites» là tỷ số: nhập tử số và mẫu số, không nhập giá trị.",
        ),
        (dict(ind="commune_websites", numerator=21, denominator=20), "numerator", "Tử số (21) không được lớn hơn mẫu số (20)."),
        (dict(ind="commune_websites", numerator=1, denominator=0), "denominator", "Mẫu số phải là số nguyên lớn hơn 0."),
        (dict(ind="commune_websites", numerator=1), "denominator", "Mẫu số phải là số nguyên lớn hơn 0."),
        (dict(numerator=1, denominator=2), "numerator", "Chỉ tiêu «leaflets_issued» không phải tỷ số: chỉ nhập giá trị."),
        (dict(unit="HT-999", value=1), "org_unit", "Không tìm thấy đơn vị «HT-999»."),
        (dict(ind="no_such_thing", value=1), "indicator", "Không tìm thấy chỉ tiêu «no_such_thing»."),
        (dict(quarter=5, value=1), "quarter", "Quý phải là 1, 2, 3 hoặc 4."),
        (dict(quarter="Q1", value=1), "quarter", "Quý phải là 1, 2, 3 hoặc 4."),
        (dict(year=1990, value=1), "year", "Năm phải là số nguyên từ 2000 đến 2100."),
        (
            dict(ind="tv_radio_bulletins", value=1),
            "indicator",
            "Đơn vị loại «Huyện, thị xã, thành phố» không báo cáo chỉ tiêu «tv_radio_bulletins».",
        ),
        (
            dict(year=2025, quarter=3, value=1),
            "org_unit",
            "Đơn vị «HT-443» không hoạt động trong Quý III/2025 (hiệu lực 01/09/1991 – 30/06/2025).",
        ),
        (
            dict(unit="HT-449", year=2015, quarter=1, value=1),
            "org_unit",
            "Đơn vị «HT-449» không hoạt động trong Quý I/2015 (hiệu lực 15/05/2015 – 30/06/2025).",
        ),
        (
            dict(year=2018, quarter=2, value=1),
            "org_unit",
            "Báo cáo Quý II/2018 của «HT-443» đã được phê duyệt nên số liệu bị khóa; cần cán bộ thẩm định mở lại.",
        ),
        (dict(value=1, note="x" * 1001), "note", "Ghi chú dài quá 1000 ký tự."),
    ],
)
def test_each_bad_cell_is_named_with_its_field_and_a_vietnamese_message(db, cell, field, message):
    kw = {k: cell.pop(k) for k in ("unit", "ind", "year", "quarter") if k in cell}
    assert errors_of([row(row=7, **kw, **cell)]) == [(7, field, message)]
    assert cells_2019() == 0


def test_a_unit_open_for_part_of_the_quarter_still_reports_it(db):
    """A district closing on 15/05/2030: Q2 2030 is its last quarter."""
    from organizations.services import org_units_import

    org_units_import(
        rows=[{"code": "HT-450", "parent": "HT", "kind": "district", "name_vi": "Huyện thử", "valid_to": "2030-05-15"}]
    )
    values_save(rows=[row(unit="HT-450", year=2030, quarter=2, value=3)])
    assert DataValue.objects.get(org_unit__code="HT-450", year=2030, quarter=2).value == 3


def test_one_bad_row_saves_nothing_and_every_bad_row_is_listed(db):
    rows = [
        row(row=1, value=5),
        row(row=2, quarter=3, value="x"),
        row(row=3, quarter=2, value=7),
        row(row=4, unit="NOPE", value=1),
    ]
    assert [(r, f) for r, f, _m in errors_of(rows)] == [(2, "value"), (4, "org_unit")]
    assert cells_2019() == 0 and not ValueChange.objects.filter(year=2019).exists()


def test_the_same_cell_twice_in_one_batch_is_refused(db):
    assert errors_of([row(row=1, value=1), row(row=2, value=2)]) == [(2, "indicator", "Ô số liệu này đã có ở dòng 1.")]


def test_messages_follow_the_language(db):
    with translation.override("en"):
        msgs = [m for _r, _f, m in errors_of([row(unit="HT-999", value=1)])]
    assert msgs[0] == "Unit «HT-999» not found."


def test_save_creates_updates_clears_and_audits_each_change(db, clerk_can_loc):
    r = values_save(rows=[row(value="1200", note="phát tại 23 xã")], by=clerk_can_loc, channel=Channel.FORM)
    assert (r.created, r.updated) == (1, 0)
    cell = DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1)
    assert (cell.value, cell.note, cell.version, cell.updated_by) == (1200, "phát tại 23 xã", 1, clerk_can_loc)

    r = values_save(rows=[row(value=1300, note="phát tại 23 xã", version=1)], by=clerk_can_loc, channel=Channel.UPLOAD)
    assert r.updated == 1
    assert values_save(rows=[row(value=1300, note="phát tại 23 xã")], by=clerk_can_loc).unchanged == 1
    r = values_save(rows=[row(value="")], by=clerk_can_loc, channel=Channel.FORM)
    assert r.cleared == 1 and cells_2019() == 0

    history = list(ValueChange.objects.filter(org_unit__code="HT-443", year=2019).order_by("id"))
    assert [(h.channel, h.old and h.old["value"], h.new and h.new["value"], h.changed_by) for h in history] == [
        ("form", None, "1200", clerk_can_loc),
        ("upload", "1200", "1300", clerk_can_loc),
        ("form", "1300", None, clerk_can_loc),
    ]


def test_a_stale_version_is_refused_and_the_newer_value_reported(db, clerk_can_loc):
    values_save(rows=[row(value=10)], by=clerk_can_loc)
    values_save(rows=[row(value=11, version=1)], by=clerk_can_loc)  # someone else saved version 2
    with pytest.raises(VersionConflict) as exc:
        values_save(rows=[row(value=12, version=1), row(quarter=2, value=5)], by=clerk_can_loc)
    (conflict,) = exc.value.conflicts
    assert (conflict["current_version"], conflict["current"]["value"], conflict["updated_by"]) == (2, "11", "canloc")
    assert DataValue.objects.get(year=2019, quarter=1, org_unit__code="HT-443").value == 11
    assert not DataValue.objects.filter(year=2019, quarter=2).exists()


def test_a_clerk_cannot_write_another_units_figures(db, clerk_can_loc, leader):
    with pytest.raises(NotAllowed) as exc:
        values_save(rows=[row(value=1), row(unit="HT-444", value=2, row=2)], by=clerk_can_loc)
    assert [(e.row, e.message) for e in exc.value.errors] == [(2, "Bạn không có quyền nhập số liệu cho đơn vị «HT-444».")]
    with pytest.raises(NotAllowed):
        values_save(rows=[row(value=1)], by=leader)
    assert cells_2019() == 0


def test_approval_locks_and_reopening_unlocks(db, clerk_can_loc, reviewer):
    unit = clerk_can_loc.memberships.get().org_unit
    values_save(rows=[row(value=1)], by=clerk_can_loc)
    sub = workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    workflow.submission_approve(submission=sub, by=reviewer)
    assert errors_of([row(value=2)], by=clerk_can_loc)[0][1] == "org_unit"
    workflow.submission_reopen(submission=Submission.objects.get(pk=sub.pk), by=reviewer, comment="Sửa số tờ rơi")
    values_save(rows=[row(value=2, version=1)], by=clerk_can_loc)
    assert DataValue.objects.get(year=2019, org_unit=unit).value == 2


def test_validation_costs_the_same_few_queries_for_many_rows(db, django_assert_max_num_queries):
    units = tree(*[("Q", "", "province")] + [(f"Q-D{i}", "Q", "district") for i in range(40)])
    rows = [row(unit=u, value=i, row=i) for i, u in enumerate(units) if u != "Q"]
    with django_assert_max_num_queries(12):
        values_save(rows=rows)
    assert DataValue.objects.filter(org_unit__code__startswith="Q-").count() == 40


def test_version_zero_means_the_writer_saw_the_cell_empty(db, clerk_can_loc):
    mapping = {"org_unit": "HT-443", "indicator": "leaflets_issued", "year": 2019, "quarter": 1, "value": 5, "version": 0}
    values_save(rows=[ValueRow.from_mapping(mapping)], by=clerk_can_loc)
    with pytest.raises(VersionConflict):
        values_save(rows=[ValueRow.from_mapping({**mapping, "value": 6})], by=clerk_can_loc)
    assert DataValue.objects.get(year=2019, org_unit__code="HT-443").value == 5
