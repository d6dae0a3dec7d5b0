"""The year's narrative: placeholders filled safely, and the reviewers' editor."""

from decimal import Decimal

import pytest

from indicators.aggregation import Figure
from reports import narrative as nv
from reports.forms import NarrativeForm
from reports.models import Directive, Narrative

URL = "/reports/annual/2018/narrative/"
FIGURES = {
    "online_dossiers": Figure("count", Decimal(1131)),
    "commune_websites": Figure("ratio", None, 221, 262),
    "health_record_exam_rate": Figure("percent", Decimal("85.93")),
    "ecommerce_booths": Figure("count"),
}


# -- substitution ---------------------------------------------------------------------------------


def test_placeholders_become_vietnamese_figures():
    text = "Có {{ online_dossiers }} hồ sơ; {{commune_websites}} xã ({{ commune_websites|percent }}); khám {{ health_record_exam_rate }}."
    assert nv.substitute(text, FIGURES) == "Có 1.131 hồ sơ; 221/262 xã (84,35%); khám 85,93%."


def test_a_placeholder_without_data_is_a_dash_never_zero():
    assert nv.substitute("{{ ecommerce_booths }} gian hàng", FIGURES) == "— gian hàng"


def test_template_code_in_user_text_is_not_executed():
    text = "{% now 'Y' %} {{ online_dossiers.__class__ }} {{ settings.SECRET_KEY }}"
    assert nv.substitute(text, FIGURES) == text


def test_unknown_and_malformed_placeholders_are_reported():
    errors = nv.placeholder_errors("{{ online_dossiers }} {{ no_such_code }} {{ a b }} {{ online_dossiers|upper }}", FIGURES)
    assert len(errors) == 3
    assert "Không có chỉ tiêu mã «no_such_code»" in errors[0]
    assert "không phải là chỗ điền số liệu hợp lệ" in errors[1]


def test_paragraphs_are_lines_without_bullets():
    assert nv.paragraphs("- Một\n\n  Hai  \n• Ba") == ["Một", "Hai", "Ba"]


# -- the editor -----------------------------------------------------------------------------------


def form_data(**overrides):
    n = Narrative.objects.get(org_unit__code="HT", year=2018)
    data = {f: getattr(n, f) or "" for f in NarrativeForm.Meta.fields if f != "issued_on"}
    data["issued_on"] = ""
    directives = list(Directive.objects.filter(org_unit__code="HT", year=2018))
    data.update(
        {
            "directives-TOTAL_FORMS": str(len(directives)),
            "directives-INITIAL_FORMS": str(len(directives)),
            "directives-MIN_NUM_FORMS": "0",
            "directives-MAX_NUM_FORMS": "1000",
        }
    )
    for i, d in enumerate(directives):
        data.update(
            {
                f"directives-{i}-id": str(d.pk),
                f"directives-{i}-part": d.part,
                f"directives-{i}-order": str(d.order),
                f"directives-{i}-kind": d.kind,
                f"directives-{i}-number": d.number,
                f"directives-{i}-issued_on": d.issued_on.strftime("%d/%m/%Y") if d.issued_on else "",
                f"directives-{i}-issuer": d.issuer,
                f"directives-{i}-title": d.title,
            }
        )
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "persona, status", [("reviewer", 200), ("admin_user", 200), ("leader", 403), ("clerk_stttt", 403), ("outsider", 404)]
)
def test_editor_by_role(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status


def test_leader_cannot_post_either(client, leader):
    client.force_login(leader)
    r = client.post(URL, form_data(strengths_a="Đổi bởi lãnh đạo"))
    assert r.status_code == 403
    assert Narrative.objects.get(org_unit__code="HT", year=2018).strengths_a != "Đổi bởi lãnh đạo"


def test_district_reviewer_cannot_edit_the_province(client, district_reviewer):
    client.force_login(district_reviewer)
    assert client.get(URL, {"unit": "HT"}).status_code == 404
    assert client.get(URL, {"unit": "HT-444"}).status_code == 200


def test_reviewer_saves_text_with_a_placeholder_and_the_report_shows_the_figure(client, reviewer):
    client.force_login(reviewer)
    r = client.post(
        URL, form_data(strengths_b="Cổng dịch vụ công đã có {{ level3_services_province_district }} dịch vụ mức độ 3.")
    )
    assert r.status_code == 302
    n = Narrative.objects.get(org_unit__code="HT", year=2018)
    assert n.updated_by == reviewer
    assert "{{ level3_services_province_district }}" in n.strengths_b
    html = client.get("/reports/annual/2018/").content.decode()
    assert "Cổng dịch vụ công đã có 2.213 dịch vụ mức độ 3." in html


def test_unknown_code_is_an_error_and_nothing_is_saved(client, reviewer):
    client.force_login(reviewer)
    before = Narrative.objects.get(org_unit__code="HT", year=2018).strengths_a
    r = client.post(URL, form_data(strengths_a="Đạt {{ khong_co_ma }} lượt."))
    assert r.status_code == 400
    assert "Không có chỉ tiêu mã «khong_co_ma»" in r.content.decode()
    assert Narrative.objects.get(org_unit__code="HT", year=2018).strengths_a == before


def test_user_text_is_escaped_on_the_page(client, reviewer):
    client.force_login(reviewer)
    client.post(URL, form_data(results_a="<script>alert(1)</script> {% now 'Y' %}"))
    html = client.get("/reports/annual/2018/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {% now &#x27;Y&#x27; %}" in html


def test_reviewer_adds_a_directive_and_it_is_listed_under_part_b(client, reviewer):
    client.force_login(reviewer)
    data = form_data()
    i = int(data["directives-TOTAL_FORMS"])
    data.update(
        {
            "directives-TOTAL_FORMS": str(i + 1),
            f"directives-{i}-part": "B",
            f"directives-{i}-order": "20",
            f"directives-{i}-kind": "Quyết định",
            f"directives-{i}-number": "99/QĐ-UBND",
            f"directives-{i}-issued_on": "05/11/2018",
            f"directives-{i}-issuer": "UBND tỉnh",
            f"directives-{i}-title": "Ban hành Bộ Tiêu chí đánh giá chính quyền điện tử",
        }
    )
    assert client.post(URL, data).status_code == 302
    d = Directive.objects.get(number="99/QĐ-UBND")
    assert (d.org_unit.code, d.year, d.issued_on.isoformat()) == ("HT", 2018, "2018-11-05")
    html = client.get("/reports/annual/2018/").content.decode()
    assert "Quyết định số 99/QĐ-UBND ngày 05/11/2018 của UBND tỉnh về ban hành Bộ Tiêu chí" in html


def test_bad_directive_date_is_a_message_and_nothing_saved(client, reviewer):
    client.force_login(reviewer)
    r = client.post(URL, form_data(**{"directives-0-issued_on": "31/02/2018", "strengths_a": "Không được lưu"}))
    assert r.status_code == 400
    assert "Nhập một ngày hợp lệ." in r.content.decode()
    assert Narrative.objects.get(org_unit__code="HT", year=2018).strengths_a != "Không được lưu"


def test_a_reviewer_starts_the_narrative_of_a_new_year(client, reviewer):
    client.force_login(reviewer)
    data = {k: "" for k in form_data() if not k.startswith("directives-")}
    data.update({"directives-TOTAL_FORMS": "0", "directives-INITIAL_FORMS": "0", "signer_name": "Nguyễn Văn A"})
    assert client.post("/reports/annual/2019/narrative/", data).status_code == 302
    assert Narrative.objects.get(org_unit__code="HT", year=2019).signer_name == "Nguyễn Văn A"
