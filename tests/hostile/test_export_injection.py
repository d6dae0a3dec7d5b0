"""Formula injection: every CSV and .xlsx the portal writes shows such text as text, never runs it.

The payloads are issue 12's. Notes are written straight into the database here (the service
would strip the leading tab or CR): the exports must be safe whatever a cell holds.
"""

import csv
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from indicators.models import DataValue
from indicators.services import ValueRow, values_save
from reform_portal.export_safety import safe_cell, safe_text
from tests.api.conftest import token_client

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1", "\r=1"]
CODES = [
    "website_articles",
    "leaflets_issued",
    "grassroots_radio_broadcasts",
    "online_service_leaflets",
    "legal_outreach_sessions",
    "social_media_posts",
]


@pytest.fixture
def hostile_notes(db, clerk_can_loc):
    """Six values of Can Loc for 2019 Q1, one payload in each note."""
    values_save(rows=[ValueRow("HT-443", code, 2019, 1, value=10 + i) for i, code in enumerate(CODES)], by=clerk_can_loc)
    for code, payload in zip(CODES, PAYLOADS, strict=True):
        DataValue.objects.filter(org_unit__code="HT-443", indicator__code=code, year=2019, quarter=1).update(note=payload)
    return dict(zip(CODES, PAYLOADS, strict=True))


def test_the_api_csv_quotes_every_payload_and_keeps_numbers(hostile_notes, clerk_can_loc):
    r = token_client(clerk_can_loc).get("/api/v1/values/csv/?org_unit=HT-443&year=2019&quarter=1")
    assert r.status_code == 200
    rows = {row["indicator"]: row for row in csv.DictReader(io.StringIO(r.content.decode()))}
    for code, payload in hostile_notes.items():
        assert rows[code]["note"] == "'" + payload, code
        assert rows[code]["value"] == str(10 + CODES.index(code))  # a number stays a number
    for row in rows.values():
        for column, text in row.items():
            assert not text.startswith(("=", "+", "-", "@", "\t", "\r")), (column, text)


def test_the_entry_form_workbook_shows_each_payload_as_text(hostile_notes, client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/entry/HT-443/2019/1/xlsx/")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.active
    notes = {row[1].value: row[9] for row in ws.iter_rows(min_row=6) if row[1].value in hostile_notes}
    for code, payload in hostile_notes.items():
        cell = notes[code]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (payload, "s", True), code
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert all(row[6].data_type == "n" for row in ws.iter_rows(min_row=6) if row[1].value in hostile_notes)


def test_uploading_the_downloaded_workbook_back_changes_no_note(hostile_notes, client, clerk_can_loc):
    # Only payloads that survive the service's strip(); a leading tab or CR would be trimmed on save.
    DataValue.objects.filter(year=2019, note__in=["\t=1+1", "\r=1"]).update(note="")
    client.force_login(clerk_can_loc)
    data = client.get("/entry/HT-443/2019/1/xlsx/").content
    r = client.post("/entry/HT-443/2019/1/upload/", {"file": SimpleUploadedFile("form.xlsx", data)}, follow=True)
    assert "0 ô thay đổi" in r.content.decode()
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code="website_articles", year=2019).note == PAYLOADS[0]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_payloads_as_typed(hostile_notes, client, clerk_can_loc, tmp_path):
    client.force_login(clerk_can_loc)
    (tmp_path / "form.xlsx").write_bytes(client.get("/entry/HT-443/2019/1/xlsx/").content)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "form.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "form.csv").read_text(encoding="utf-8")
    shown = {row[1]: row[9] for row in csv.reader(io.StringIO(text, newline=""))}
    assert shown["website_articles"] == '=HYPERLINK("http://x","y")'
    assert shown["online_service_leaflets"] == "-2+3"  # not 1
    assert shown["grassroots_radio_broadcasts"] == "@SUM(1+1)"  # not 2


def test_the_sanitiser_leaves_numbers_in_numeric_columns_alone():
    assert safe_text("-2", numeric=True) == "-2" and safe_text("-2.5", numeric=True) == "-2.5" and safe_text(-2) == -2
    assert safe_text("-2+3", numeric=True) == "'-2+3" and safe_text("-2") == "'-2"
    assert safe_text("Bình thường") == "Bình thường" and safe_text(None) is None
    ws = Workbook().active
    negative = safe_cell(ws.cell(row=1, column=1, value=-2))
    assert (negative.value, negative.data_type, negative.quotePrefix) == (-2, "n", False)
