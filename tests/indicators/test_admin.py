"""Reviewers keep the catalogue in the admin; official values stay read-only there."""

from indicators.models import DataValue, Indicator


def test_a_reviewer_adds_an_indicator_without_a_code_change(client, reviewer):
    client.force_login(reviewer)
    group = Indicator.objects.get(code="leaflets_issued").group
    r = client.post(
        "/admin/indicators/indicator/add/",
        {
            "code": "outreach_contests",
            "section": "A",
            "group": group.pk,
            "order": 20,
            "name_vi": "Cuộc thi tìm hiểu về CCHC",
            "name_en": "Administrative-reform quizzes",
            "unit_vi": "cuộc",
            "value_type": "count",
            "time_aggregation": "sum",
            "unit_aggregation": "sum",
            "reported_by": "department,district",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    assert Indicator.objects.get(code="outreach_contests").is_reported_by("district")


def test_an_indicator_with_values_keeps_its_value_type(client, reviewer):
    client.force_login(reviewer)
    ind = Indicator.objects.get(code="leaflets_issued")
    data = {
        "code": ind.code,
        "section": ind.section,
        "group": ind.group_id,
        "order": ind.order,
        "name_vi": ind.name_vi,
        "name_en": ind.name_en,
        "unit_vi": ind.unit_vi,
        "value_type": "percent",
        "time_aggregation": ind.time_aggregation,
        "unit_aggregation": "mean",
        "reported_by": ind.reported_by,
        "is_active": "on",
    }
    r = client.post(f"/admin/indicators/indicator/{ind.pk}/change/", data)
    assert r.status_code == 200
    assert "Chỉ tiêu đã có số liệu nên không thể đổi kiểu giá trị" in r.content.decode()
    assert Indicator.objects.get(pk=ind.pk).value_type == "count"


def test_values_are_read_only_in_the_admin_even_for_the_superuser(client, admin_user):
    client.force_login(admin_user)
    value = DataValue.objects.first()
    assert client.get("/admin/indicators/datavalue/").status_code == 200
    assert client.get("/admin/indicators/datavalue/add/").status_code == 403
    r = client.post(f"/admin/indicators/datavalue/{value.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403 and DataValue.objects.filter(pk=value.pk).exists()


def test_clerks_and_leaders_have_no_admin(client, clerk_can_loc, leader):
    for user in (clerk_can_loc, leader):
        client.force_login(user)
        assert client.get("/admin/indicators/indicator/").status_code == 302  # to the admin login
