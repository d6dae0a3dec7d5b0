"""Evidence files: checked by content, size and name; served only through the unit's access rules, as downloads."""

import io
import zipfile

import pytest

from campaigns.evidence import EvidenceRejected, check_file
from campaigns.models import Evidence
from campaigns.services import evidence_attach
from tests.campaigns.helpers import PDF, PNG, log, training

pytestmark = pytest.mark.django_db


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bien-ban.pdf", PDF),
        ("anh chụp lớp học.png", PNG),
        ("danh sách.docx", _docx()),
        ("so-lieu.jpeg", b"\xff\xd8\xff\xe0rest"),
    ],
)
def test_accepted_types_pass_on_their_content(name, data):
    checked = check_file(name=name, data=data)
    assert checked.name == name and checked.size == len(data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bao-cao.pdf", b"<html><script>alert(1)</script></html>", "Nội dung tệp «bao-cao.pdf» không phải là tệp PDF"),
        ("bao-cao.docx", PDF, "không phải là tệp DOCX"),
        ("bao-cao.xlsx", _docx(), "không phải là tệp XLSX"),
        ("chay.exe", b"MZ\x90\x00", "chỉ nhận PDF, ảnh"),
        ("../../etc/passwd.pdf", PDF, "không được chứa đường dẫn"),
        ("..\\windows\\bao-cao.pdf", PDF, "không được chứa đường dẫn"),
        ("C:bao-cao.pdf", PDF, "không được chứa đường dẫn"),
        (".htaccess.pdf", PDF, "không được chứa đường dẫn"),
        ("bao\x00cao.pdf", PDF, "ký tự điều khiển"),
    ],
)
def test_refused_files_say_why(name, data, message):
    with pytest.raises(EvidenceRejected) as exc:
        check_file(name=name, data=data)
    assert message in str(exc.value)


def test_an_over_size_file_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(EvidenceRejected) as exc:
        check_file(name="scan.pdf", data=PDF + b"0" * 2048)
    assert "quá lớn" in str(exc.value)


@pytest.fixture
def scan(clerk_can_loc):
    [activity] = log(training(), by=clerk_can_loc)
    return evidence_attach(by=clerk_can_loc, activity=activity, name="danh-sach.pdf", data=PDF)


def test_the_stored_name_never_comes_from_the_user(scan):
    assert scan.file.name.startswith("evidence/HT-443/") and scan.file.name.endswith(".pdf")
    assert "danh-sach" not in scan.file.name


@pytest.mark.parametrize("who", ["clerk_can_loc", "reviewer", "leader"])
def test_the_unit_and_its_readers_download_it_as_an_attachment(client, request, scan, who):
    client.force_login(request.getfixturevalue(who))
    r = client.get(f"/evidence/{scan.pk}/")
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;") and 'filename="danh-sach.pdf"' in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == PDF


@pytest.mark.parametrize("who", ["clerk_stttt", "outsider", "district_reviewer"])
def test_anyone_else_gets_a_404(client, request, scan, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/evidence/{scan.pk}/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, scan):
    r = client.get(f"/evidence/{scan.pk}/")
    assert r.status_code == 302 and "/accounts/login/" in r.url


def test_an_upload_whose_content_does_not_match_is_refused_with_a_message(client, clerk_can_loc):
    [activity] = log(training(), by=clerk_can_loc)
    client.force_login(clerk_can_loc)
    fake = io.BytesIO(b"<html><body>not a pdf</body></html>")
    fake.name = "bien-ban.pdf"
    r = client.post(f"/activities/HT-443/2019/1/{activity.pk}/evidence/", {"file": fake}, follow=True)
    assert "Chưa đính kèm được: Nội dung tệp «bien-ban.pdf» không phải là tệp PDF" in r.content.decode()
    assert not Evidence.objects.filter(activity=activity).exists()


def test_a_reader_cannot_attach(client, leader, clerk_can_loc):
    [activity] = log(training(), by=clerk_can_loc)
    client.force_login(leader)
    f = io.BytesIO(PDF)
    f.name = "x.pdf"
    assert client.post(f"/activities/HT-443/2019/1/{activity.pk}/evidence/", {"file": f}).status_code == 403
    assert not Evidence.objects.filter(activity=activity).exists()


def test_evidence_for_a_figure_and_for_the_report_from_the_form(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    f = io.BytesIO(PNG)
    f.name = "anh.png"
    client.post("/entry/HT-443/2019/1/evidence/", {"target": "website_articles", "file": f})
    client.post("/entry/HT-443/2019/1/evidence/", {"target": "submission", "url": "https://canloc.hatinh.gov.vn/tin-bai"})
    kept = Evidence.objects.filter(org_unit__code="HT-443").order_by("id")
    assert [(e.indicator and e.indicator.code, e.submission_id is not None, e.name) for e in kept] == [
        ("website_articles", False, "anh.png"),
        (None, True, "https://canloc.hatinh.gov.vn/tin-bai"),
    ]
    html = client.get("/entry/HT-443/2019/1/").content.decode()
    assert "anh.png" in html and "https://canloc.hatinh.gov.vn/tin-bai" in html


def test_an_approved_quarter_takes_no_more_evidence(clerk_can_loc, reviewer):
    from indicators import workflow
    from organizations.models import OrgUnit

    [activity] = log(training(), by=clerk_can_loc)
    sub = workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    with pytest.raises(EvidenceRejected):
        evidence_attach(by=clerk_can_loc, activity=activity, name="late.pdf", data=PDF)
    evidence_attach(by=clerk_can_loc, submission=sub, name="bien-ban.pdf", data=PDF)  # the report can still be documented
    workflow.submission_approve(submission=sub, by=reviewer)
    with pytest.raises(EvidenceRejected) as exc:
        evidence_attach(by=clerk_can_loc, submission=sub, name="sau.pdf", data=PDF)
    assert "đã được phê duyệt" in str(exc.value)
    assert [e.name for e in Evidence.objects.filter(org_unit__code="HT-443")] == ["bien-ban.pdf"]
