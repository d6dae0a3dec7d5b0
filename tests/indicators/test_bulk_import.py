"""values_import on PostgreSQL (COPY, checks in SQL) says and writes exactly what the row path (values_save) does.

Each bad file is imported through whichever path the database takes, and its messages are
checked word for word; on PostgreSQL the same file also goes through the row path
(`services._import_rows`, what SQLite runs) and both lists must be equal, row numbers and order
included. The writes (values, versions, audit rows, approvals) are compared the same way.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from indicators import bulk_import, services, value_messages
from indicators.models import Channel, DataValue, Submission, SubmissionEvent, SubmissionStatus, ValueChange
from indicators.services import NotAllowed, ValueRow, VersionConflict, values_import, values_save
from reform_portal.tabular import RowsInvalid, iter_rows

ON_POSTGRES = connection.vendor == "postgresql"
HEADER = "org_unit,indicator,year,quarter,value,numerator,denominator,note,as_of"
GOOD = "HT-443,leaflets_issued,2019,1,5,,,,"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def outcome(fn):
    """What fn() raised, as plain data (or its counts when it saved)."""
    try:
        r = fn()
    except RowsInvalid as exc:
        return ("invalid", [(e.row, e.field, str(e.message)) for e in exc.errors])
    except NotAllowed as exc:
        return ("not allowed", [(e.row, e.field, str(e.message)) for e in exc.errors])
    except VersionConflict as exc:
        return ("conflict", exc.conflicts)
    return ("saved", (r.created, r.updated, r.cleared, r.unchanged))


def both_paths(data: bytes, name="v.csv", by=None, approve=False, scope=None):
    """(row path, bulk path) outcomes of one file; each runs in a savepoint rolled back after it."""
    allowed = None if scope else [*services.VALUE_COLUMNS, *services.OPTIONAL_VALUE_COLUMNS, "version"]

    def run(path):
        with transaction.atomic():
            table = iter_rows(name, io.BytesIO(data), required=["org_unit", "indicator", "year", "quarter"], allowed=allowed)
            out = outcome(lambda: path(table=table, by=by, channel=Channel.COMMAND, dry_run=False, approve=approve, scope=scope))
            transaction.set_rollback(True)
        return out

    return run(services._import_rows), (run(bulk_import.import_file) if ON_POSTGRES else None)


def imported(data: bytes, name="v.csv", **kw):
    """The outcome of values_import (the path this database takes); on PostgreSQL the row path's is checked equal first."""
    if ON_POSTGRES:
        simple, bulk = both_paths(data, name, **kw)
        assert bulk == simple
    out = outcome(lambda: values_import(name=name, data=data, channel=Channel.COMMAND, **kw))
    if ON_POSTGRES:
        assert out == simple
    return out


BAD_FILES = [
    ("HT-443,leaflets_issued,2019,2,abc,,,,", [(3, "value", "Giá trị phải là số nguyên không âm (nhận được «abc»).")]),
    ("HT-443,leaflets_issued,2019,2,-3,,,,", [(3, "value", "Giá trị phải là số nguyên không âm (nhận được «-3»).")]),
    ("HT-443,leaflets_issued,2019,2,2.5,,,,", [(3, "value", "Giá trị phải là số nguyên không âm (nhận được «2.5»).")]),
    ("HT-443,leaflets_issued,2019,2,1e999999,,,,", [(3, "value", "Giá trị quá lớn.")]),
    ("HT-443,leaflets_issued,2019,2,100000000000000,,,,", [(3, "value", "Giá trị quá lớn.")]),
    ("HT-443,leaflets_issued,2019,2,Infinity,,,,", [(3, "value", "Giá trị phải là số nguyên không âm (nhận được «Infinity»).")]),
    ("HT-443,edoc_exchange_rate,2019,1,101,,,,", [(3, "value", "Tỷ lệ phải là số từ 0 đến 100 (nhận được «101»).")]),
    ("HT-443,edoc_exchange_rate,2019,1,50.123,,,,", [(3, "value", "Tỷ lệ có nhiều nhất 2 chữ số thập phân.")]),
    (
        "HT-443,edoc_exchange_rate,2019,1,99.99999999999999999999999999999,,,,",
        [(3, "value", "Tỷ lệ có nhiều nhất 2 chữ số thập phân.")],
    ),
    (
        "HT-443,edoc_exchange_rate,2019,1,100.000000000000000000000000001,,,,",
        [(3, "value", "Tỷ lệ phải là số từ 0 đến 100 (nhận được «100.000000000000000000000000001»).")],
    ),
    (
        "HT-443,commune_websites,2019,1,20,,,,",
        [(3, "value", "Chỉ tiêu «commune_websites» là tỷ số: nhập tử số và mẫu số, không nhập giá trị.")],
    ),
    ("HT-443,commune_websites,2019,1,,21,20,,", [(3, "numerator", "Tử số (21) không được lớn hơn mẫu số (20).")]),
    ("HT-443,commune_websites,2019,1,,21.0,2e1,,", [(3, "numerator", "Tử số (21) không được lớn hơn mẫu số (20).")]),
    ("HT-443,commune_websites,2019,1,,1,0,,", [(3, "denominator", "Mẫu số phải là số nguyên lớn hơn 0.")]),
    ("HT-443,commune_websites,2019,1,,1,,,", [(3, "denominator", "Mẫu số phải là số nguyên lớn hơn 0.")]),
    (
        "HT-443,commune_websites,2019,1,,-1,99999999999999999999,,",
        [(3, "numerator", "Tử số phải là số nguyên không âm."), (3, "denominator", "Mẫu số phải là số nguyên lớn hơn 0.")],
    ),
    (
        "HT-443,leaflets_issued,2019,2,,1,2,,",
        [(3, "numerator", "Chỉ tiêu «leaflets_issued» không phải tỷ số: chỉ nhập giá trị.")],
    ),
    ("HT-999,leaflets_issued,2019,1,1,,,,", [(3, "org_unit", "Không tìm thấy đơn vị «HT-999».")]),
    ("HT-443,no_such_thing,2019,1,1,,,,", [(3, "indicator", "Không tìm thấy chỉ tiêu «no_such_thing».")]),
    (
        "NOPE,nothing,1990,Q1,1,,,,",
        [
            (3, "org_unit", "Không tìm thấy đơn vị «NOPE»."),
            (3, "indicator", "Không tìm thấy chỉ tiêu «nothing»."),
            (3, "year", "Năm phải là số nguyên từ 2000 đến 2100."),
            (3, "quarter", "Quý phải là 1, 2, 3 hoặc 4."),
        ],
    ),
    ("HT-443,leaflets_issued,2019,5,1,,,,", [(3, "quarter", "Quý phải là 1, 2, 3 hoặc 4.")]),
    ("HT-443,leaflets_issued,99999999999999999999999,1,1,,,,", [(3, "year", "Năm phải là số nguyên từ 2000 đến 2100.")]),
    (
        "HT-443,tv_radio_bulletins,2019,1,1,,,,",
        [(3, "indicator", "Đơn vị loại «Huyện, thị xã, thành phố» không báo cáo chỉ tiêu «tv_radio_bulletins».")],
    ),
    (
        "HT-443,leaflets_issued,2025,3,1,,,,",
        [(3, "org_unit", "Đơn vị «HT-443» không hoạt động trong Quý III/2025 (hiệu lực 01/09/1991 – 30/06/2025).")],
    ),
    (
        "HT-449,leaflets_issued,2015,1,1,,,,",
        [(3, "org_unit", "Đơn vị «HT-449» không hoạt động trong Quý I/2015 (hiệu lực 15/05/2015 – 30/06/2025).")],
    ),
    (
        "HT-443,leaflets_issued,2018,2,1,,,,",
        [
            (
                3,
                "org_unit",
                "Báo cáo Quý II/2018 của «HT-443» đã được phê duyệt nên số liệu bị khóa; cần cán bộ thẩm định mở lại.",
            )
        ],
    ),
    (f"HT-443,leaflets_issued,2019,2,1,,,{'x' * 1001},", [(3, "note", "Ghi chú dài quá 1000 ký tự.")]),
    (
        f"HT-443,leaflets_issued,2019,2,abc,,,{'x' * 1001},31/02/2019",
        [
            (3, "note", "Ghi chú dài quá 1000 ký tự."),
            (3, "value", "Giá trị phải là số nguyên không âm (nhận được «abc»)."),
            (3, "as_of", "Ngày «31/02/2019» không hợp lệ (dùng dd/mm/yyyy, ví dụ 31/10/2018)."),
        ],
    ),
    (
        "HT-443,leaflets_issued,2019,2,1,,,,01/07/2019",
        [(3, "as_of", "Ngày tính số liệu 01/07/2019 phải nằm trong Quý II/2019 (15/03/2019 – 30/06/2019).")],
    ),
    ("HT-443,leaflets_issued,2019,1,7,,,,", [(3, "indicator", "Ô số liệu này đã có ở dòng 2.")]),
    (
        "HT-443,leaflets_issued,2019,2,1,,,a\x00b,",
        [(3, "note", "Có ký tự điều khiển không hợp lệ (ví dụ NUL); hãy xóa ký tự đó rồi nhập lại.")],
    ),
    ("HT-4\x0043,leaflets_issued,2019,2,1,,,,", [(3, "org_unit", "Không tìm thấy đơn vị «HT-4\ufffd43».")]),
]


@pytest.mark.parametrize(("line", "expected"), BAD_FILES, ids=[f"case{n}" for n in range(len(BAD_FILES))])
def test_each_bad_row_gets_the_row_paths_message_and_line_and_nothing_is_saved(db, line, expected):
    before = (DataValue.objects.count(), ValueChange.objects.count(), Submission.objects.count())
    assert imported(csv_file(GOOD, line)) == ("invalid", expected)
    assert (DataValue.objects.count(), ValueChange.objects.count(), Submission.objects.count()) == before


def test_the_same_rows_in_an_xlsx_get_the_same_messages(db):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Số liệu quý"])  # a title above the header: line numbers stay the sheet's own
    ws.append(HEADER.split(","))
    ws.append(["HT-443", "leaflets_issued", 2019, 1, 5])
    ws.append(["HT-443", "leaflets_issued", 2019, 2, 2.5])
    ws.append(["HT-443", "commune_websites", 2019, 1, None, 21, 20])
    out = io.BytesIO()
    wb.save(out)
    assert imported(out.getvalue(), name="v.xlsx") == (
        "invalid",
        [
            (4, "value", "Giá trị phải là số nguyên không âm (nhận được «2.5»)."),
            (5, "numerator", "Tử số (21) không được lớn hơn mẫu số (20)."),
        ],
    )


def test_a_quarter_under_review_is_refused_and_approve_loads_it_anyway(db, reviewer):
    Submission.objects.create(org_unit_id=_unit("HT-443"), year=2019, quarter=3, status=SubmissionStatus.SUBMITTED)
    data = csv_file("HT-443,leaflets_issued,2019,3,4,,,,")
    assert imported(data) == (
        "invalid",
        [
            (
                2,
                "org_unit",
                "Báo cáo Quý III/2019 của «HT-443» đang chờ duyệt nên số liệu không sửa được; cần cán bộ thẩm định trả lại.",
            )
        ],
    )
    assert imported(data, approve=True, by=reviewer) == ("saved", (1, 0, 0, 0))


def test_many_bad_rows_are_listed_up_to_a_bound_per_column_with_the_count_of_the_rest(db):
    n = value_messages.ERRORS_PER_FIELD + 250
    lines = [f"HT-443,leaflets_issued,1990,{1 + k % 4},{k},,,," for k in range(n)] + ["HT-999,leaflets_issued,2019,1,1,,,,"]
    kind, errors = imported(csv_file(*lines))
    assert kind == "invalid"
    years = [e for e in errors if e[1] == "year"]
    assert [e[0] for e in years[:-1]] == list(range(2, 2 + value_messages.ERRORS_PER_FIELD))
    assert years[-1] == (None, "year", "Còn 250 lỗi khác ở cột này không được liệt kê.")
    assert (n + 2, "org_unit", "Không tìm thấy đơn vị «HT-999».") in errors


def test_the_last_row_bad_saves_nothing_of_thousands_of_good_rows(db):
    good = [f"HT-443,leaflets_issued,{2000 + y},{q},{y * 10 + q},,,," for y in range(18) for q in (1, 2, 3, 4)]
    units = ["HT-443", "HT-444", "HT-445", "HT-446"]
    good = [line.replace("HT-443", u, 1) for u in units for line in good]
    before = (DataValue.objects.count(), ValueChange.objects.count(), Submission.objects.count())
    data = csv_file(*good, "HT-443,leaflets_issued,2019,1,mười,,,,")
    assert imported(data) == ("invalid", [(len(good) + 2, "value", "Giá trị phải là số nguyên không âm (nhận được «mười»).")])
    assert (DataValue.objects.count(), ValueChange.objects.count(), Submission.objects.count()) == before


def test_a_clerk_may_import_only_their_units(db, clerk_can_loc):
    data = csv_file(GOOD, "HT-444,leaflets_issued,2019,1,5,,,,", "HT-444,leaflets_issued,2019,2,5,,,,")
    message = "Bạn không có quyền nhập số liệu cho đơn vị «HT-444»."
    assert imported(data, by=clerk_can_loc) == ("not allowed", [(3, "org_unit", message), (4, "org_unit", message)])
    assert not DataValue.objects.filter(org_unit__code="HT-444", year=2019).exists()


def test_a_stale_version_is_a_conflict_with_the_newer_value(db, clerk_can_loc):
    values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value=5)], by=clerk_can_loc)
    header = HEADER + ",version"
    kind, conflicts = imported(csv_file(GOOD + ",0", "HT-443,leaflets_issued,2019,2,3,,,,,0", header=header))
    assert kind == "conflict"
    [c] = conflicts
    assert (c["row"], c["your_version"], c["current_version"], c["updated_by"]) == (2, 0, 1, "canloc")
    assert c["current"] == {"value": "5", "numerator": None, "denominator": None, "note": ""}


def test_a_figure_unlike_the_activity_log_needs_a_note_and_the_audit_says_from_log(db, clerk_can_loc):
    from tests.campaigns.helpers import log, training

    log(training(people=500), training(day="2019-02-20", people=520), by=clerk_can_loc)
    differs = "HT-443,online_service_trainees,2019,1,1000,,,,"
    assert imported(csv_file(differs)) == (
        "invalid",
        [(2, "note", "Số liệu khác nhật ký hoạt động (theo nhật ký: 1.020): ghi chú lý do.")],
    )
    assert imported(csv_file("HT-443,online_service_trainees,2019,1,1020,,,,")) == ("saved", (1, 0, 0, 0))
    change = ValueChange.objects.get(org_unit__code="HT-443", indicator__code="online_service_trainees", year=2019)
    assert change.source == "from_log"


def _unit(code):
    from organizations.models import OrgUnit

    return OrgUnit.objects.get(code=code).pk


def _json(v) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def _written(year: int):
    """Values, audit rows and submissions of HT-443/HT-444 in `year`, as a user would compare them."""
    cells = sorted(
        DataValue.objects.filter(year=year, org_unit__code__in=["HT-443", "HT-444"]).values_list(
            "org_unit__code",
            "indicator__code",
            "quarter",
            "value",
            "numerator",
            "denominator",
            "note",
            "as_of",
            "version",
            "updated_by__username",
        )
    )
    changes = sorted(
        (
            c.org_unit.code,
            c.indicator.code,
            c.quarter,
            _json(c.old),
            _json(c.new),
            c.version,
            c.channel,
            c.source,
            str(c.changed_by),
        )
        for c in ValueChange.objects.filter(year=year).select_related("org_unit", "indicator", "changed_by")
    )
    subs = sorted(
        Submission.objects.filter(year=year, org_unit__code__in=["HT-443", "HT-444"]).values_list(
            "org_unit__code", "quarter", "status", "reviewed_by__username", "comment"
        )
    )
    events = sorted(
        SubmissionEvent.objects.filter(submission__year=year).values_list(
            "submission__org_unit__code", "submission__quarter", "action", "from_status", "to_status", "by__username", "channel"
        )
    )
    return cells, changes, subs, events


UPDATE_FILE = csv_file(
    "HT-443,leaflets_issued,2019,1,6,,,sửa,",  # updated (value and note)
    "HT-443,website_articles,2019,1,,,,,",  # cleared
    "HT-443,legal_outreach_sessions,2019,1,3,,,,",  # unchanged
    "HT-443,online_dossiers,2019,1,,,,chỉ ghi chú,",  # a note alone on an empty cell: nothing
    "HT-443,edoc_exchange_rate,2019,1,85.5,,,,",  # created, a percent
    "HT-443,commune_websites,2019,1,,3,4,,",  # created, a ratio
    "HT-443,leaflets_issued,2019,2,7,,,,15/03/2019",  # created, counted on a given day
    "HT-444,leaflets_issued,2019,1,8,,,,",  # another unit, created
)


def _before_update(clerk):
    rows = [
        ValueRow("HT-443", "leaflets_issued", 2019, 1, value=5),
        ValueRow("HT-443", "website_articles", 2019, 1, value=9),
        ValueRow("HT-443", "legal_outreach_sessions", 2019, 1, value=3),
    ]
    values_save(rows=rows, by=clerk)


@pytest.mark.parametrize("approve", [False, True])
def test_created_updated_cleared_and_unchanged_cells_are_written_and_audited_as_the_row_path_does(db, admin_user, approve):
    from django.contrib.auth import get_user_model

    _before_update(get_user_model().objects.get(username="canloc"))
    kw = {"approve": approve, "by": admin_user if approve else None}
    outcomes = []
    for path in [services._import_rows, bulk_import.import_file] if ON_POSTGRES else [services._import_rows]:
        with transaction.atomic():
            table = iter_rows("v.csv", io.BytesIO(UPDATE_FILE), required=["org_unit", "indicator", "year", "quarter"])
            r = path(table=table, channel=Channel.COMMAND, dry_run=False, scope=None, **kw)
            outcomes.append(((r.created, r.updated, r.cleared, r.unchanged), _written(2019)))
            transaction.set_rollback(True)
    counts, (cells, changes, subs, events) = outcomes[0]
    assert counts == (4, 1, 1, 2)
    assert ("HT-443", "leaflets_issued", 1, 6, None, None, "sửa", None, 2, "admin" if approve else None) in cells
    assert not any(c[1] == "website_articles" for c in cells)
    who = "admin" if approve else "None"
    assert (
        "HT-443",
        "website_articles",
        1,
        _json({"value": "9", "numerator": None, "denominator": None, "note": ""}),
        "null",
        2,
        "command",
        "typed",
        who,
    ) in changes
    assert len(changes) - 3 == 6  # three from the cells saved before, six from the file
    if approve:
        assert {s[2] for s in subs} == {"approved"} and all(s[3] == "admin" for s in subs)
        assert {e[2:] for e in events} == {("import", "draft", "approved", "admin", "command")}
        assert len(events) == 3  # HT-443 Q1 and Q2, HT-444 Q1
    if ON_POSTGRES:
        assert outcomes[1] == outcomes[0]


def test_import_values_writes_the_audit_with_the_command_channel_and_dry_run_saves_nothing(db, tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(csv_file(GOOD, "HT-443,leaflets_issued,2019,2,6,,,,"))
    out = io.StringIO()
    call_command("import_values", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "2 new" in out.getvalue() and not DataValue.objects.filter(org_unit__code="HT-443", year=2019).exists()
    call_command("import_values", str(path), "--approve", "--by", "admin", stdout=out, stderr=io.StringIO())
    changes = ValueChange.objects.filter(org_unit__code="HT-443", year=2019)
    assert sorted(changes.values_list("quarter", "channel", "changed_by__username", "version")) == [
        (1, "command", "admin", 1),
        (2, "command", "admin", 1),
    ]
    assert set(Submission.objects.filter(org_unit__code="HT-443", year=2019).values_list("status", flat=True)) == {"approved"}
    with pytest.raises(CommandError, match="2 error"):  # both quarters are approved now
        call_command("import_values", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_form_upload_refuses_rows_of_another_form_first(db, clerk_can_loc):
    from indicators.entry import form_page
    from indicators.form_xlsx import form_upload
    from indicators.periods import Period
    from organizations.models import OrgUnit

    page = form_page(unit=OrgUnit.objects.get(code="HT-443"), period=Period(2019, 1), user=clerk_can_loc)
    data = csv_file(GOOD, "HT-443,leaflets_issued,2019,2,abc,,,,")
    with pytest.raises(RowsInvalid) as exc:
        form_upload(page=page, name="v.csv", data=data, by=clerk_can_loc)
    assert [(e.row, str(e.message)) for e in exc.value.errors] == [
        (3, "Dòng này thuộc đơn vị hoặc kỳ khác (HT-443, 2019/2); tệp này chỉ nhận HT-443, Quý I/2019.")
    ]
    assert form_upload(page=page, name="v.csv", data=csv_file(GOOD), by=clerk_can_loc).created == 1


def test_a_version_that_is_no_number_is_no_version_not_a_crash(db):
    header = HEADER + ",version"
    assert imported(csv_file(GOOD + ",²", "HT-443,leaflets_issued,2019,2,3,,,,,v2", header=header)) == ("saved", (2, 0, 0, 0))


def test_the_import_moves_the_data_version_once_with_the_unit_years_it_wrote(db, django_capture_on_commit_callbacks):
    from organizations import data_version
    from organizations.models import DataVersion

    def number():  # as committed, once the commit callbacks ran (current() says None inside a test's transaction)
        return DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0

    before = number()
    with django_capture_on_commit_callbacks(execute=True):
        values_import(name="v.csv", data=csv_file(GOOD, "HT-444,leaflets_issued,2020,1,5,,,,"), channel=Channel.COMMAND)
    after = number()
    assert after == before + 1
    assert data_version.changes_between(before, after) == {(_unit("HT-443"), 2019), (_unit("HT-444"), 2020)}
