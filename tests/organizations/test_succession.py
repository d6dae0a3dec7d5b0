"""Predecessors: import_org_units' column and its checks, the admin form, lineage()."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from organizations.models import OrgUnit
from organizations.succession import lineage, split_sources

# 2030: two districts end on 30/06; three communes merge into XM, a fourth is split between XM and XN;
# the department SA absorbs SB on 01/03 and continues.
BASE = """code,parent,kind,name_vi,name_en,valid_from,valid_to
QS,,province,Tỉnh Thử,Test Province,2000-01-01,
QS-H1,QS,district,Huyện Một,,2000-01-01,2030-06-30
QS-H1-X1,QS-H1,commune,Xã Một,,2000-01-01,2030-06-30
QS-H1-X2,QS-H1,commune,Xã Hai,,2000-01-01,2030-06-30
QS-H1-X3,QS-H1,commune,Xã Ba,,2000-01-01,2030-06-30
QS-H1-X4,QS-H1,commune,Xã Bốn,,2000-01-01,2030-06-30
QS-SA,QS,department,Sở A,,2000-01-01,
QS-SB,QS,department,Sở B,,2000-01-01,2030-02-28
"""
NEW = """code,parent,kind,name_vi,name_en,valid_from,valid_to,predecessors
QS-XM,QS,commune,Xã Mới,,2030-07-01,,QS-H1-X1; QS-H1-X2;QS-H1-X3;QS-H1-X4
QS-XN,QS,commune,Xã Nam,,2030-07-01,,QS-H1-X4
QS-SA,QS,department,Sở A,,2000-01-01,,QS-SB
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert "nothing was saved" in str(exc.value)
    return err.getvalue()


@pytest.fixture
def merged(db, tmp_path):
    run("import_org_units", write(tmp_path, "base.csv", BASE))
    run("import_org_units", write(tmp_path, "new.csv", NEW))
    return {u.code: u for u in OrgUnit.objects.filter(code__startswith="QS")}


def codes(units) -> set[str]:
    return {u.code for u in units}


def test_predecessors_column_sets_the_succession(merged):
    assert codes(merged["QS-XM"].predecessors.all()) == {"QS-H1-X1", "QS-H1-X2", "QS-H1-X3", "QS-H1-X4"}
    assert codes(merged["QS-H1-X4"].successors.all()) == {"QS-XM", "QS-XN"}
    assert codes(merged["QS-SA"].predecessors.all()) == {"QS-SB"}


def test_reimport_is_idempotent_and_a_row_without_the_column_keeps_predecessors(merged, tmp_path):
    out, _err = run("import_org_units", write(tmp_path, "new.csv", NEW))
    assert "0 new, 0 updated" in out
    out, _err = run("import_org_units", write(tmp_path, "base.csv", BASE))
    assert codes(OrgUnit.objects.get(code="QS-SA").predecessors.all()) == {"QS-SB"}
    # An empty cell clears them.
    run(
        "import_org_units",
        write(tmp_path, "clear.csv", "code,parent,kind,name_vi,valid_from,predecessors\nQS-SA,QS,department,Sở A,2000-01-01,\n"),
    )
    assert not OrgUnit.objects.get(code="QS-SA").predecessors.exists()


def test_lineage_follows_predecessors_once_they_have_passed(merged):
    xm, sa = merged["QS-XM"], merged["QS-SA"]
    # A predecessor passes the day after its valid_to.
    assert lineage(xm, datetime.date(2030, 6, 30)) == set()
    assert codes(lineage(xm, datetime.date(2030, 7, 1))) == {"QS-H1-X1", "QS-H1-X2", "QS-H1-X3", "QS-H1-X4"}
    assert codes(lineage(sa, datetime.date(2030, 3, 31))) == {"QS-SB"}
    assert lineage(sa, datetime.date(2030, 2, 28)) == set()
    assert lineage(merged["QS-H1-X1"], datetime.date(2031, 1, 1)) == set()


def test_lineage_is_transitive(merged, tmp_path):
    run(
        "import_org_units",
        write(
            tmp_path,
            "later.csv",
            "code,parent,kind,name_vi,valid_from,valid_to,predecessors\n"
            "QS-XM,QS,commune,Xã Mới,2030-07-01,2032-12-31,QS-H1-X1;QS-H1-X2;QS-H1-X3;QS-H1-X4\n"
            "QS-XL,QS,commune,Xã Lớn,2033-01-01,,QS-XM\n",
        ),
    )
    xl = OrgUnit.objects.get(code="QS-XL")
    assert codes(lineage(xl, datetime.date(2033, 3, 31))) == {"QS-XM", "QS-H1-X1", "QS-H1-X2", "QS-H1-X3", "QS-H1-X4"}


def test_a_split_is_named_so_that_no_comparison_is_invented(merged):
    on = datetime.date(2030, 12, 31)
    assert codes(split_sources(merged["QS-XN"], on)) == {"QS-H1-X4"}
    assert codes(split_sources(merged["QS-XM"], on)) == {"QS-H1-X4"}
    assert split_sources(merged["QS-SA"], on) == set()


def test_every_bad_succession_row_is_listed_and_nothing_saved(merged, tmp_path):
    bad = (
        "code,parent,kind,name_vi,valid_from,valid_to,predecessors\n"
        "QS-XP,QS,commune,Xã P,2030-07-01,,QS-NOPE\n"  # unknown
        "QS-XQ,QS,commune,Xã Q,2030-03-01,,QS-H1-X1\n"  # X1 still open on 01/03/2030
        "QS-XR,QS-H1,commune,Xã R,2030-07-01,,QS-H1-X2\n"  # under a district closed on 30/06
        "QS-XS,QS,commune,Xã S,2030-07-01,,QS-XS\n"  # itself
        "QS-XT,QS,commune,Xã T,2030-08-01,,QS-H1-X3\n"  # a gap: X3 passes on 01/07, XT opens in August
    )
    err = fails("import_org_units", write(tmp_path, "bad.csv", bad))
    lines = err.strip().splitlines()
    assert "Dòng 2, Đơn vị tiền thân: Không tìm thấy đơn vị tiền thân «QS-NOPE»." in lines
    assert any(
        line.startswith(
            "Dòng 3, Đơn vị tiền thân: Đơn vị tiền thân «QS-H1-X1» vẫn hoạt động (hiệu lực đến 30/06/2030) khi «QS-XQ» bắt đầu (01/03/2030)"
        )
        for line in lines
    )
    assert any(
        line.startswith("Dòng 4, Đơn vị cấp trên: Đơn vị cấp trên «QS-H1» không hoạt động vào ngày 01/07/2030") for line in lines
    )
    assert "Dòng 5, Đơn vị tiền thân: Đơn vị không thể là tiền thân của chính nó." in lines
    assert any(
        line.startswith("Dòng 6, Đơn vị tiền thân: «QS-XT» không hoạt động vào ngày 01/07/2030, ngày «QS-H1-X3» chuyển sang")
        for line in lines
    )
    assert not OrgUnit.objects.filter(code__in=["QS-XP", "QS-XQ", "QS-XR", "QS-XS", "QS-XT"]).exists()


def test_a_cycle_is_refused(merged, tmp_path):
    # SB (closed 28/02/2030) would succeed SA, which succeeds SB.
    err = fails(
        "import_org_units",
        write(
            tmp_path,
            "cycle.csv",
            "code,parent,kind,name_vi,valid_from,valid_to,predecessors\nQS-SB,QS,department,Sở B,2000-01-01,2030-02-28,QS-SA\n",
        ),
    )
    assert "Dòng 2, Đơn vị tiền thân: Quan hệ tiền thân tạo thành vòng lặp (qua «QS-SB»)." in err
    assert not OrgUnit.objects.get(code="QS-SB").predecessors.exists()


def test_reopening_a_predecessor_is_caught_on_its_own_row(merged, tmp_path):
    err = fails(
        "import_org_units",
        write(tmp_path, "reopen.csv", "code,parent,kind,name_vi,valid_from,valid_to\nQS-SB,QS,department,Sở B,2000-01-01,\n"),
    )
    assert "Dòng 2, Hiệu lực đến: Đơn vị tiền thân «QS-SB» chưa có ngày hết hiệu lực" in err


def test_an_unknown_column_is_an_error(db, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_org_units",
            write(tmp_path, "typo.csv", "code,parent,kind,name_vi,predecesors\nQS,,province,Tỉnh Thử,QS-X\n"),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "Cột không hợp lệ: «predecesors»" in str(exc.value)
    assert not OrgUnit.objects.filter(code="QS").exists()


def test_admin_edits_predecessors_with_the_same_checks(merged, admin_client):
    xn = merged["QS-XN"]
    form = {
        "code": "QS-XN",
        "name_vi": "Xã Nam",
        "name_en": "",
        "kind": "commune",
        "parent": merged["QS"].pk,
        "valid_from": "01/07/2030",
        "valid_to": "",
        "abbreviation": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    url = f"/admin/organizations/orgunit/{xn.pk}/change/"
    r = admin_client.post(url, {**form, "predecessors": [merged["QS-SA"].pk]})
    assert r.status_code == 200
    assert "Đơn vị tiền thân «QS-SA» vẫn hoạt động" in r.content.decode()
    assert codes(xn.predecessors.all()) == {"QS-H1-X4"}
    r = admin_client.post(url, {**form, "predecessors": [merged["QS-H1-X4"].pk, merged["QS-H1-X3"].pk]})
    assert r.status_code == 302
    assert codes(xn.predecessors.all()) == {"QS-H1-X3", "QS-H1-X4"}


def test_admin_refuses_to_reopen_a_predecessor(merged, admin_client):
    sb = merged["QS-SB"]
    r = admin_client.post(
        f"/admin/organizations/orgunit/{sb.pk}/change/",
        {
            "code": "QS-SB",
            "name_vi": "Sở B",
            "kind": "department",
            "parent": merged["QS"].pk,
            "valid_from": "01/01/2000",
            "valid_to": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 200
    assert "Đơn vị tiền thân «QS-SB» chưa có ngày hết hiệu lực" in r.content.decode()
    sb.refresh_from_db()
    assert sb.valid_to == datetime.date(2030, 2, 28)


def test_a_reviewer_edits_predecessors_without_the_parent_field(client, reviewer):
    """Reviewers cannot move units (code and parent are read-only for them); the checks use the unit's own parent."""
    unit = OrgUnit.objects.get(code="HT-SNNMT")
    client.force_login(reviewer)
    url = f"/admin/organizations/orgunit/{unit.pk}/change/"
    form = {
        "name_vi": unit.name_vi,
        "name_en": unit.name_en,
        "kind": "department",
        "valid_from": "01/03/2025",
        "valid_to": "",
        "abbreviation": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    stnmt, skhcn = OrgUnit.objects.get(code="HT-STNMT"), OrgUnit.objects.get(code="HT-SKHCN")
    r = client.post(url, {**form, "predecessors": [stnmt.pk, skhcn.pk]})
    assert r.status_code == 200
    assert "Đơn vị tiền thân «HT-SKHCN» vẫn hoạt động" in r.content.decode()
    r = client.post(url, {**form, "predecessors": [stnmt.pk]})
    assert r.status_code == 302
    assert codes(unit.predecessors.all()) == {"HT-STNMT"}
    assert unit.parent.code == "HT"
