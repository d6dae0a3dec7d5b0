"""import_values names the columns it reads: a misspelt one is an error, the API's CSV export imports back."""

import io

import pytest
from django.core.management import CommandError, call_command

from indicators.models import DataValue


def write(tmp_path, text):
    path = tmp_path / "values.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_an_unknown_column_is_an_error_and_saves_nothing(db, tmp_path):
    path = write(tmp_path, "org_unit,indicator,year,quarter,vaule\nHT-443,leaflets_issued,2019,1,10\n")
    with pytest.raises(
        CommandError, match="Cột không hợp lệ: «vaule». Các cột được dùng: org_unit, indicator, year, quarter, value"
    ):
        call_command("import_values", path, stdout=io.StringIO(), stderr=io.StringIO())
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019).exists()


def test_the_api_csv_columns_are_accepted(db, tmp_path):
    path = write(
        tmp_path,
        "org_unit,indicator,year,quarter,value,numerator,denominator,note,version,updated_at,id\n"
        "HT-443,leaflets_issued,2019,1,10,,,,0,2019-03-20T09:00:00+07:00,\n",
    )
    out = io.StringIO()
    call_command("import_values", path, stdout=out, stderr=io.StringIO())
    assert "1 new" in out.getvalue()
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1).value == 10


def test_the_optional_as_of_column_is_accepted(db, tmp_path):
    path = write(
        tmp_path,
        "org_unit,indicator,year,quarter,value,as_of\nHT,level3_services_per_commune,2019,4,40,31/10/2019\n",
    )
    out = io.StringIO()
    call_command("import_values", path, stdout=out, stderr=io.StringIO())
    assert "1 new" in out.getvalue()
