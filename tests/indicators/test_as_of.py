"""A figure counted before its quarter's end ("tính đến 31/10/2018"): the service, the import, the report."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from indicators.aggregation import Layer
from indicators.models import DataValue, ValueChange
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid
from reports.annual import annual_report


def row(**kw):
    return ValueRow("HT-443", "online_dossiers", 2019, 4, value=kw.pop("value", 40), **kw)


@pytest.mark.parametrize("typed", ["31/10/2019", "2019-10-31", datetime.date(2019, 10, 31)])
def test_the_service_keeps_the_counting_day(db, typed):
    values_save(rows=[row(as_of=typed)], by=None)
    v = DataValue.objects.get(org_unit__code="HT-443", indicator__code="online_dossiers", year=2019, quarter=4)
    assert v.as_of == datetime.date(2019, 10, 31)
    change = ValueChange.objects.filter(org_unit__code="HT-443", year=2019).latest("pk")
    assert change.new["as_of"] == "2019-10-31"


def test_changing_only_the_day_is_a_change_and_blank_clears_it(db):
    values_save(rows=[row(as_of="31/10/2019")], by=None)
    r = values_save(rows=[row(as_of="30/11/2019")], by=None)
    assert (r.updated, r.unchanged) == (1, 0)
    assert DataValue.objects.get(year=2019, org_unit__code="HT-443").as_of == datetime.date(2019, 11, 30)
    values_save(rows=[row(as_of="")], by=None)
    assert DataValue.objects.get(year=2019, org_unit__code="HT-443").as_of is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31-10-2019x", "Ngày «31-10-2019x» không hợp lệ (dùng dd/mm/yyyy, ví dụ 31/10/2018)."),
        ("31/02/2019", "Ngày «31/02/2019» không hợp lệ (dùng dd/mm/yyyy, ví dụ 31/10/2018)."),
        ("15/01/2020", "Ngày tính số liệu 15/01/2020 phải nằm trong Quý IV/2019 (15/09/2019 – 31/12/2019)."),
        ("01/09/2019", "Ngày tính số liệu 01/09/2019 phải nằm trong Quý IV/2019 (15/09/2019 – 31/12/2019)."),
    ],
)
def test_a_bad_day_is_a_vietnamese_message_and_saves_nothing(db, typed, message):
    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=[row(as_of=typed, row=3)], by=None)
    assert [(e.row, e.field, str(e.message)) for e in exc.value.errors] == [(3, "as_of", message)]
    assert not DataValue.objects.filter(year=2019, org_unit__code="HT-443").exists()


def test_import_values_reads_an_optional_as_of_column(db, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(
        "org_unit,indicator,year,quarter,value,numerator,denominator,note,as_of\n"
        "HT-443,online_dossiers,2019,4,40,,,,31/10/2019\n"
        "HT-444,online_dossiers,2019,4,12,,,,\n",
        encoding="utf-8",
    )
    call_command("import_values", str(f), stdout=io.StringIO(), stderr=io.StringIO())
    days = dict(DataValue.objects.filter(year=2019).values_list("org_unit__code", "as_of"))
    assert days == {"HT-443": datetime.date(2019, 10, 31), "HT-444": None}

    bad = tmp_path / "bad.csv"
    bad.write_text("org_unit,indicator,year,quarter,value,as_of\nHT-445,online_dossiers,2019,4,5,31/13/2019\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_values", str(bad), stdout=io.StringIO(), stderr=err)
    assert "Dòng 2, Tính đến ngày: Ngày «31/13/2019» không hợp lệ" in err.getvalue()
    assert not DataValue.objects.filter(year=2019, org_unit__code="HT-445").exists()


def test_the_2018_report_says_when_the_dossiers_were_counted(db):
    report = annual_report(org_unit=OrgUnit.objects.get(code="HT"), year=2018)
    sentences = [b for part in report.parts for g in part.groups for b in g.sentences]
    dossiers = next(s for s in sentences if "1.131 hồ sơ" in s)
    assert dossiers.endswith(", tính đến ngày 31/10/2018.")
    assert [ln.indicator.code for ln in report.dated_lines] == ["online_dossiers", "online_dossiers_commune"]
    # a figure counted to its quarter's end says nothing of the kind
    websites = next(s for s in sentences if "221/262" in s)
    assert "tính đến" not in websites


def test_the_xlsx_gives_the_counting_day_as_a_date(db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    call_command("export_report", "2018", "--format", "xlsx", "-o", str(out), stderr=io.StringIO())
    ws = load_workbook(out)["Báo cáo"]
    assert ws["P4"].value == "Tính đến ngày"
    rows = {r[2].value: r for r in ws.iter_rows(min_row=5) if r[2].value}
    day = rows["online_dossiers"][15]
    assert day.value == datetime.datetime(2018, 10, 31) and day.number_format == "DD/MM/YYYY"
    assert rows["commune_websites"][15].value is None


def test_a_later_quarter_counted_to_its_end_supersedes_an_earlier_day(db):
    values_save(rows=[ValueRow("HT-443", "online_dossiers", 2019, 3, value=30, as_of="31/08/2019")], by=None)
    unit = OrgUnit.objects.get(code="HT-443")

    def days(quarter, layer=Layer.ALL):  # the values are drafts: in the "all" layer, not yet official
        return {ln.indicator.code: ln.as_of for ln in annual_report(org_unit=unit, year=2019, quarter=quarter, layer=layer).lines}

    assert days(3)["online_dossiers"] == datetime.date(2019, 8, 31)
    assert days(3, Layer.OFFICIAL)["online_dossiers"] is None  # a draft's day is not an official figure's
    values_save(rows=[ValueRow("HT-443", "online_dossiers", 2019, 4, value=40)], by=None)
    assert days(4)["online_dossiers"] is None
