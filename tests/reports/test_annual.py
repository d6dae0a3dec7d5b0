"""The annual report page: who may open it, and the figures it prints — the seed's and a year written here."""

import pytest

from organizations.models import Membership, OrgUnit, Role
from tests.indicators.builders import put, tree

TREE = [
    # code, parent, kind
    ("QT", "", "province"),
    ("QT-S1", "QT", "department"),
    ("QT-D1", "QT", "district"),
    ("QT-D2", "QT", "district"),
    ("QT-D1-X1", "QT-D1", "commune"),
    ("QT-D1-X2", "QT-D1", "commune"),
    ("QT-D2-X1", "QT-D2", "commune"),
]


def build_province(*, reviewer=None) -> OrgUnit:
    tree(*TREE, name_prefix="Đơn vị thử")
    cells = [
        # 2021: the year under test
        ("QT", "level3_services_province_district", 2021, 4, 3457),
        ("QT-S1", "online_dossiers", 2021, 1, 600),
        ("QT-S1", "online_dossiers", 2021, 3, 634),
        ("QT-D1", "online_dossiers", 2021, 2, 4321),
        ("QT-D1", "commune_websites", 2021, 4, (17, 20)),
        ("QT-D2", "commune_websites", 2021, 4, (30, 33)),
        ("QT-D1-X1", "grassroots_radio_broadcasts", 2021, 1, 1111),
        ("QT-D1-X2", "grassroots_radio_broadcasts", 2021, 2, 1000),
        ("QT-D2-X1", "grassroots_radio_broadcasts", 2021, 2, 1222),
        ("QT-S1", "leaflets_issued", 2021, 4, 98765),
        # 2020: for the comparison with the year before
        ("QT-S1", "online_dossiers", 2020, 2, 4444),
        ("QT", "level3_services_province_district", 2020, 4, 3000),
    ]
    put(*cells)
    root = OrgUnit.objects.get(code="QT")
    if reviewer is not None:
        Membership.objects.create(user=reviewer, org_unit=root, role=Role.REVIEWER)
    return root


# What the rule gives for QT in 2021 (whole year), written the Vietnamese way.
EXPECTED_2021 = {
    "level3_services_province_district": "3.457",
    "online_dossiers": "5.555",  # 600 + 634 (department) + 4.321 (district)
    "commune_websites": "47/53",  # 17/20 + 30/33
    "grassroots_radio_broadcasts": "3.333",  # communes 1.111 + 1.000 + 1.222
    "leaflets_issued": "98.765",
}


URL = "/reports/annual/2018/"


def page(client, user, url=URL, **params):
    client.force_login(user)
    return client.get(url, params)


# -- who may open it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [("reviewer", 200), ("leader", 200), ("admin_user", 200), ("clerk_can_loc", 403), ("clerk_stttt", 403), ("outsider", 404)],
)
def test_report_page_by_role(client, request, persona, status):
    r = page(client, request.getfixturevalue(persona))
    assert r.status_code == status


def test_anonymous_is_sent_to_login(client, db):
    r = client.get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_district_reviewer_reads_own_district_but_not_the_province(client, district_reviewer):
    assert page(client, district_reviewer, unit="HT").status_code == 404
    r = page(client, district_reviewer, unit="HT-444")
    assert r.status_code == 200
    assert "UBND HUYỆN HƯƠNG KHÊ" in r.content.decode()


def test_clerk_gets_404_for_a_unit_they_cannot_see(client, clerk_can_loc):
    assert page(client, clerk_can_loc, unit="HT").status_code == 404


@pytest.mark.parametrize("persona", ["clerk_can_loc", "outsider"])
def test_downloads_are_refused_like_the_page(client, request, persona):
    user = request.getfixturevalue(persona)
    for url in ("/reports/annual/2018.xlsx", "/reports/annual/2018.docx"):
        assert page(client, user, url).status_code in (403, 404)


def test_bad_quarter_is_a_clear_message_not_a_500(client, reviewer):
    r = page(client, reviewer, quarter="5")
    assert r.status_code == 400
    assert "Quý phải là 1, 2, 3 hoặc 4." in r.content.decode()


def test_year_out_of_range_is_404(client, reviewer):
    assert page(client, reviewer, "/reports/annual/1800/").status_code == 404


def test_index_opens_the_latest_year_with_data(client, reviewer):
    r = page(client, reviewer, "/reports/annual/")
    assert r.status_code == 302 and r["Location"].endswith("/reports/annual/2026/")  # the demo runs to Q3/2026


# -- the 2018 demo report -------------------------------------------------------------------------


def test_2018_report_has_the_seed_structure_and_figures(client, reviewer):
    html = page(client, reviewer).content.decode()
    for heading in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "A. TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH",
        "B. HIỆN ĐẠI HÓA HÀNH CHÍNH",
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "II. ĐÁNH GIÁ CHUNG",
        "III. KIẾN NGHỊ, ĐỀ XUẤT",
        "Công tác chỉ đạo, điều hành",
        "Nơi nhận:",
        "Bùi Đắc Thế",
    ):
        assert heading in html, heading
    assert html.index("A. TUYÊN TRUYỀN") < html.index("B. HIỆN ĐẠI HÓA")
    for sentence in (
        "đã có 2.213 dịch vụ công trực tuyến mức độ 3",
        "221/262 UBND cấp xã có Cổng/trang thông tin điện tử",
        "phát sinh 1.131 hồ sơ dịch vụ công trực tuyến",
        "tiến độ khám tạo lập hồ sơ đạt 85,93%",
        "phát sóng 480 bản tin",
        "đăng tải 700 tin, bài",
        "45.270 lượt",
        "Chỉ thị số 08/CT-UBND ngày 17/05/2018 của UBND tỉnh",
    ):
        assert sentence in html, sentence


def test_narrative_placeholder_is_filled_from_the_data(client, reviewer):
    html = page(client, reviewer).content.decode()
    assert "dịch vụ công trực tuyến (1.131 hồ sơ) còn thấp" in html
    assert "{{" not in html


def test_plan_vs_actual_states_the_achievement_rate(client, reviewer):
    html = page(client, reviewer).content.decode()
    # 480 bulletins against the 450 of Kế hoạch 394/KH-UBND
    assert "Kế hoạch số 394/KH-UBND" in html
    assert "106,67%" in html
    assert "4/6 chỉ tiêu của Kế hoạch số 394/KH-UBND đạt hoặc vượt kế hoạch năm." in html
    # the demo narrative's {{ provincial_newspaper_articles|plan }}: 700 of 650
    assert "số tin, bài trên Báo Hà Tĩnh đạt 107,69% kế hoạch năm" in html


def test_appendix_gives_each_indicator_by_quarter_and_by_unit(client, reviewer):
    r = page(client, reviewer)
    report = r.context["report"]
    bulletins = next(ln for ln in report.lines if ln.indicator.code == "tv_radio_bulletins")
    assert [f.display for f in bulletins.quarters] == ["105", "115", "124", "136"]
    html = r.content.decode()
    assert "PHỤ LỤC 1" in html and "PHỤ LỤC 2" in html
    assert '<td class="num">136</td>' in html
    assert "Đài Phát thanh và Truyền hình tỉnh" in html  # a row of the by-unit table


def test_no_2017_data_means_dashes_not_zeros(client, reviewer):
    report = page(client, reviewer).context["report"]
    bulletins = next(ln for ln in report.lines if ln.indicator.code == "tv_radio_bulletins")
    assert bulletins.previous.display == "—"
    assert bulletins.change_display == "—"


def test_quarter_to_date_report_sums_only_those_quarters(client, reviewer):
    html = page(client, reviewer, quarter="2").content.decode()
    assert "phát sóng 220 bản tin" in html  # 105 + 115
    assert "Lũy kế đến hết Quý II/2018" in html


def test_a_district_report_leaves_out_sentences_without_data(client, reviewer):
    html = page(client, reviewer, unit="HT-443").content.decode()
    assert "Đài Phát thanh và Truyền hình đã" not in html
    assert "2.213" not in html


def test_an_empty_year_says_so_and_prints_no_zero(client, reviewer):
    r = page(client, reviewer, "/reports/annual/2030/")
    html = r.content.decode()
    assert "Chưa có số liệu cho kỳ báo cáo này." in html
    assert all(ln.figure.is_empty for ln in r.context["report"].lines)
    assert '<td class="num">0</td>' not in html


def test_edit_link_only_for_reviewers(client, reviewer, leader):
    assert "/reports/annual/2018/narrative/" in page(client, reviewer).content.decode()
    assert "/reports/annual/2018/narrative/" not in page(client, leader).content.decode()


def test_report_page_query_count_does_not_grow_with_the_tree(client, reviewer, django_assert_max_num_queries):
    client.force_login(reviewer)
    with django_assert_max_num_queries(40):
        client.get(URL)


# -- a year written here: different numbers, a deeper tree ---------------------------------------


def test_a_year_of_our_own_data_gives_its_own_figures(client, admin_user):
    build_province()
    r = page(client, admin_user, "/reports/annual/2021/", unit="QT")
    assert r.status_code == 200
    html = r.content.decode()
    assert "đã có 3.457 dịch vụ công trực tuyến mức độ 3" in html
    assert "phát sinh 5.555 hồ sơ dịch vụ công trực tuyến" in html
    assert "47/53 UBND cấp xã có Cổng/trang thông tin điện tử" in html
    assert "đã phát 3.333 lượt chương trình" in html
    assert "phát hành 98.765 tờ rơi" in html
    figures = {ln.indicator.code: ln for ln in r.context["report"].lines}
    for code, display in EXPECTED_2021.items():
        assert figures[code].figure.display == display
    # none of the demo's 2018 figures leak in
    for seed_figure in ("2.213", "221/262", "1.131"):
        assert seed_figure not in html
    # the year before: 4.444 dossiers in 2020 → 5.555 is +25%; 3.000 services → 3.457 is +15,23%
    assert figures["online_dossiers"].previous.display == "4.444"
    assert figures["online_dossiers"].change_display == "+25%"
    assert figures["level3_services_province_district"].change_display == "+15,23%"
    # the deeper tree: the by-unit appendix lists the districts with their own subtree figures
    assert "Đơn vị thử QT-D1" in html


def test_a_reviewer_of_another_province_cannot_read_ours(client, reviewer):
    build_province()
    assert page(client, reviewer, "/reports/annual/2021/", unit="QT").status_code == 404


def test_a_reviewer_of_our_province_reads_it(client, django_user_model):
    user = django_user_model.objects.create_user("qt-reviewer")
    build_province(reviewer=user)
    r = page(client, user, "/reports/annual/2021/")
    assert r.status_code == 200 and "ĐƠN VỊ THỬ QT" in r.content.decode()
