"""Cell history: who changed what, when, from which channel."""

import pytest

from indicators.models import Channel
from indicators.services import ValueRow, values_save


@pytest.fixture
def changed(clerk_can_loc, admin_user):
    values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="1500")], by=clerk_can_loc, channel=Channel.FORM)
    values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="2213")], by=clerk_can_loc, channel=Channel.UPLOAD)
    values_save(rows=[ValueRow("HT-443", "website_articles", 2019, 1, value="12")], by=admin_user, channel=Channel.API)
    values_save(rows=[ValueRow("HT-443", "website_articles", 2019, 1, value="13")], by=None, channel=Channel.COMMAND)


def test_history_of_one_cell_lists_each_change_with_channel_and_user(client, clerk_can_loc, changed):
    client.force_login(clerk_can_loc)
    r = client.get("/entry/HT-443/2019/1/history/?indicator=leaflets_issued")
    html = r.content.decode()
    rows = r.context["rows"]
    assert [(h.old, h.new, h.change.channel) for h in rows] == [("1.500", "2.213", "upload"), ("—", "1.500", "form")]
    assert "Tải lên Excel" in html and "Biểu mẫu" in html
    assert "Cán bộ Văn phòng UBND huyện Can Lộc" in html
    assert "Quản trị hệ thống" not in html  # another cell's change is not listed


def test_history_of_the_form_lists_every_cell_and_every_channel(client, reviewer, changed):
    client.force_login(reviewer)
    html = client.get("/entry/HT-443/2019/1/history/").content.decode()
    for label in ("Biểu mẫu", "Tải lên Excel", "API", "Dòng lệnh"):
        assert label in html
    assert "Quản trị hệ thống" in html and "Hệ thống" in html


def test_history_of_an_unknown_indicator_is_404(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    assert client.get("/entry/HT-443/2019/1/history/?indicator=nope").status_code == 404


def test_history_query_count(client, clerk_can_loc, changed, django_assert_max_num_queries):
    client.force_login(clerk_can_loc)
    with django_assert_max_num_queries(8):
        assert client.get("/entry/HT-443/2019/1/history/").status_code == 200
