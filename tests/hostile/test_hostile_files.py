"""Hostile uploads and imports: each bomb is refused early, with a clear message, nothing saved, in bounded time and memory.

Before the limits (issue 12), a 300 KB workbook held a worker for 12.8 s at 2.6 GB. The
bounds below are an order of magnitude above what the refusal costs and far below
what reading the file would.
"""

import time
import tracemalloc
from contextlib import contextmanager
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.defaultfilters import filesizeformat
from django.test import override_settings

from indicators.models import DataValue, ValueChange
from tests.hostile import bombs

UPLOAD = "/entry/HT-443/2019/1/upload/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECONDS = 10
PEAK_MB = 60


@cache
def bomb(name: str) -> bytes:
    return bombs.BOMBS[name][0]()


@contextmanager
def bounded():
    """Fail if the block takes longer than SECONDS or allocates more than PEAK_MB at its peak (Python heap)."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - start
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < PEAK_MB * 1e6, f"peak {peak / 1e6:.0f} MB"


def nothing_saved():
    return not DataValue.objects.filter(year=2019).exists() and not ValueChange.objects.filter(year=2019).exists()


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    assert client.get("/entry/HT-443/2019/1/").status_code == 200  # templates and translations loaded before measuring
    return client


@pytest.mark.parametrize("name", list(bombs.BOMBS))
def test_entry_form_upload_refuses_each_bomb(as_clerk, name):
    data, message = bomb(name), bombs.BOMBS[name][1]
    with bounded():
        r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("bieu-mau.xlsx", data, XLSX)})
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page and "Tệp chưa được nhận: không có số liệu nào bị thay đổi." in page
    assert nothing_saved()


@pytest.mark.parametrize("name", list(bombs.BOMBS))
def test_import_values_refuses_each_bomb(db, tmp_path, name):
    path = tmp_path / "values.xlsx"
    path.write_bytes(bomb(name))
    with bounded(), pytest.raises(CommandError) as exc:
        call_command("import_values", str(path))
    assert bombs.BOMBS[name][1] in str(exc.value)
    assert nothing_saved()


def test_a_declared_huge_dimension_over_a_small_sheet_reads_just_its_rows(as_clerk):
    with bounded():
        r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("bieu-mau.xlsx", bombs.huge_dimension_small_sheet(), XLSX)})
    assert r.status_code == 302
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1).value == 77


def test_a_real_workbook_with_an_image_and_a_second_big_sheet_is_read(as_clerk):
    # Binary parts (a logo) are never scanned as XML; sheets other than the first are never parsed.
    data = bombs.workbook(
        bombs.sheet(bombs.header_row(), bombs.data_row(2, value=42)),
        extra={"xl/media/image1.png": (20_000, b"\x89PNG\r\n\x1a\n\x00\x00"), "xl/worksheets/sheet2.xml": (3_000_000, b"<row/>")},
    )
    r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("bieu-mau.xlsx", data, XLSX)})
    assert r.status_code == 302
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1).value == 42


def test_the_limits_come_from_settings(as_clerk):
    rows = [bombs.data_row(2), bombs.data_row(3, indicator="website_articles")]
    data = bombs.workbook(bombs.sheet(bombs.header_row(), *rows))
    with override_settings(IMPORT_MAX_ROWS=1):
        r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("bieu-mau.xlsx", data, XLSX)})
    assert r.status_code == 400 and "Tệp có quá nhiều dòng: tối đa 1 dòng số liệu." in r.content.decode()
    assert nothing_saved()
    r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("bieu-mau.xlsx", data, XLSX)})
    assert r.status_code == 302 and DataValue.objects.filter(org_unit__code="HT-443", year=2019).count() == 2


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(as_clerk):
    csv = (",".join(bombs.HEADER) + "\n" + "HT-443,leaflets_issued,2019,1,5,,,\n" * 200).encode()
    with override_settings(IMPORT_MAX_BYTES=4096):
        r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("values.csv", csv, "text/csv")})
    assert r.status_code == 400
    assert f"Tệp quá lớn ({filesizeformat(len(csv))}); tối đa 4,0\xa0KB." in r.content.decode()
    assert nothing_saved()


def test_import_values_refuses_a_file_over_the_size_limit_without_reading_it(db, tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(",".join(bombs.HEADER) + "\n" + "HT-443,leaflets_issued,2019,1,5,,,\n" * 200)
    with override_settings(IMPORT_MAX_BYTES=4096), pytest.raises(CommandError, match="Tệp quá lớn"):
        call_command("import_values", str(path))
    assert nothing_saved()


@pytest.mark.parametrize(
    "text, message",
    [
        (",".join(bombs.HEADER) + "," * 60 + "\n", "Dòng 1 có quá nhiều cột: tối đa 50 cột."),
        (",".join(bombs.HEADER) + '\nHT-443,leaflets_issued,2019,1,5,,,"' + "x" * 200_000 + '"\n', "Tệp CSV bị hỏng ở dòng"),
        (",".join(bombs.HEADER) + "\n" + "HT-443,leaflets_issued,2019,1,5,,,\n" * 50_001, "Tệp có quá nhiều dòng"),
    ],
    ids=["many columns", "overlong field", "many rows"],
)
def test_csv_over_a_limit_gets_a_clear_message(as_clerk, text, message):
    with bounded():
        r = as_clerk.post(UPLOAD, {"file": SimpleUploadedFile("values.csv", text.encode(), "text/csv")})
    assert r.status_code == 400 and message in r.content.decode()
    assert nothing_saved()
