"""Who sees which unit: decided in organizations.access, the same for the browser and the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations import access
from organizations.models import OrgUnit


def visible(user):
    return set(OrgUnit.objects.visible_to(user).values_list("code", flat=True))


def test_a_clerk_sees_only_their_own_unit(clerk_can_loc):
    assert visible(clerk_can_loc) == {"HT-443"}


def test_province_reviewer_and_leader_see_the_whole_tree(reviewer, leader):
    everything = set(OrgUnit.objects.filter(path__startswith="/HT/").values_list("code", flat=True))
    assert visible(reviewer) == visible(leader) == everything


def test_a_district_reviewer_sees_only_their_district(district_reviewer):
    seen = visible(district_reviewer)
    assert "HT-444" in seen and "HT-443" not in seen and "HT" not in seen
    assert all(code.startswith("HT-444-") for code in seen - {"HT-444"})  # its communes (the 2025 demo's old communes)


def test_an_outsider_and_anonymous_see_nothing(outsider):
    from django.contrib.auth.models import AnonymousUser

    assert visible(outsider) == set() == visible(AnonymousUser())


@pytest.mark.parametrize(
    ("persona", "code", "outcome"),
    [
        ("clerk_can_loc", "HT-443", "ok"),
        ("clerk_can_loc", "HT-444", "404"),
        ("leader", "HT-443", "403"),
        ("reviewer", "HT-443", "403"),
        ("outsider", "HT-443", "404"),
        ("admin_user", "HT-443", "ok"),
    ],
)
def test_who_may_open_a_units_entry_form(request, persona, code, outcome):
    user = request.getfixturevalue(persona)
    if outcome == "ok":
        assert access.get_unit_for_entry(user, code).code == code
    else:
        with pytest.raises(Http404 if outcome == "404" else PermissionDenied):
            access.get_unit_for_entry(user, code)


def test_review_rights_follow_the_subtree(reviewer, district_reviewer, clerk_can_loc, leader):
    can_loc, huong_khe = OrgUnit.objects.get(code="HT-443"), OrgUnit.objects.get(code="HT-444")
    assert access.can_review(reviewer, can_loc) and access.can_review(district_reviewer, huong_khe)
    assert not access.can_review(district_reviewer, can_loc)
    assert not access.can_review(clerk_can_loc, can_loc) and not access.can_review(leader, can_loc)


def test_home_unit_is_the_highest_unit_a_user_belongs_to(leader, clerk_can_loc, outsider):
    assert access.home_unit(leader).code == "HT"
    assert access.home_unit(clerk_can_loc).code == "HT-443"
    assert access.home_unit(outsider) is None
