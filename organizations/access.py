"""Who may see or change what — decided here once, used by views, the API and services.

A clerk reads and writes their own unit(s). A reviewer reads the subtree of
their unit and approves or returns its submissions. A leader reads the subtree.
A superuser is a reviewer of everything. Outsiders see nothing: lookups are
scoped in the query, so an unknown or foreign unit is a 404, and a visible
unit the user may not change is a 403.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from organizations.models import Membership, OrgUnit, Role

_NOTHING = Q(pk__in=[])


def _memberships(user) -> list[Membership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_reform_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("org_unit"))
        user._reform_memberships = cached
    return cached


def remember_memberships(user, memberships: list[Membership]) -> None:
    """Memberships loaded with the user (the API's token query joins them): `_memberships` then asks nothing."""
    user._reform_memberships = list(memberships)


def roles_of(user) -> set[str]:
    if getattr(user, "is_superuser", False):
        return {Role.REVIEWER, Role.LEADER}
    return {m.role for m in _memberships(user)}


def _units_q(user, roles: set[str]) -> Q:
    """Units a user's memberships of `roles` reach: a clerk's own unit, a reviewer's or leader's subtree."""
    if not user.is_authenticated:
        return _NOTHING
    if user.is_superuser:
        return Q()
    parts = []
    for m in _memberships(user):
        if m.role not in roles:
            continue
        parts.append(Q(pk=m.org_unit_id) if m.role == Role.CLERK else Q(path__startswith=m.org_unit.path))
    return reduce(or_, parts) if parts else _NOTHING


def visible_units_q(user) -> Q:
    return _units_q(user, {Role.CLERK, Role.REVIEWER, Role.LEADER})


def provisional_units_q(user) -> Q:
    """Units whose unapproved values a user may read: their own as a clerk, their subtree as a reviewer.

    Everyone else who can see a unit (its leaders) reads only its approved values.
    """
    return _units_q(user, {Role.CLERK, Role.REVIEWER})


def _covers(member_unit: OrgUnit, unit: OrgUnit) -> bool:
    return unit.path.startswith(member_unit.path)


def can_view_unit(user, unit: OrgUnit) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for m in _memberships(user):
        if m.role == Role.CLERK and m.org_unit_id == unit.pk:
            return True
        if m.role != Role.CLERK and _covers(m.org_unit, unit):
            return True
    return False


def can_enter(user, unit: OrgUnit) -> bool:
    """Enter and submit a unit's figures: its clerks (and superusers, for support)."""
    if user.is_superuser:
        return True
    return any(m.role == Role.CLERK and m.org_unit_id == unit.pk for m in _memberships(user))


def can_enter_any(user) -> bool:
    """Whether a user enters some unit's figures at all (clerks, superusers); which units: can_enter."""
    return user.is_authenticated and (user.is_superuser or Role.CLERK in roles_of(user))


def can_review(user, unit: OrgUnit) -> bool:
    """Approve, return or reopen a unit's submissions; write the year's narrative."""
    if user.is_superuser:
        return True
    return any(m.role == Role.REVIEWER and _covers(m.org_unit, unit) for m in _memberships(user))


def can_see_provisional(user, unit: OrgUnit) -> bool:
    """Read figures of a non-official layer (under review, drafts): the unit's reviewers only.

    Leaders, clerks and tokens of other roles read official figures; asking for
    another layer is refused (403), never quietly answered with official ones.
    """
    return can_review(user, unit)


def can_manage_membership(user, *, unit: OrgUnit, role: str, member) -> bool:
    """Grant or change a role: administrators anything; a reviewer only clerks of units in their subtree.

    A reviewer never grants a role to themselves (no entering, submitting and
    approving one's own quarter) and never the reviewer or leader role (no
    widening of anyone's subtree, their own included).
    """
    if user.is_superuser:
        return True
    if member is not None and member.pk == user.pk:
        return False
    return role == Role.CLERK and can_review(user, unit)


def can_read_reports(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user) & {Role.REVIEWER, Role.LEADER}))


def entry_units(user):
    """Units whose forms the user fills in."""
    if user.is_superuser:
        return OrgUnit.objects.none()
    ids = [m.org_unit_id for m in _memberships(user) if m.role == Role.CLERK]
    return OrgUnit.objects.filter(pk__in=ids)


def review_roots(user) -> list[OrgUnit]:
    """Top units of the subtrees a user reviews (superuser: the tree's roots)."""
    if user.is_superuser:
        return list(OrgUnit.objects.filter(parent__isnull=True))
    return [m.org_unit for m in _memberships(user) if m.role == Role.REVIEWER]


def home_unit(user) -> OrgUnit | None:
    """The unit a user's dashboard and reports open on: the highest unit they read."""
    if user.is_superuser:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    units = [m.org_unit for m in _memberships(user)]
    return min(units, key=lambda u: (u.depth, u.code)) if units else None


def get_unit_for_view(user, code: str) -> OrgUnit:
    return get_object_or_404(OrgUnit.objects.visible_to(user), code=code)


def get_unit_for_entry(user, code: str) -> OrgUnit:
    unit = get_unit_for_view(user, code)  # outsider: 404
    if not can_enter(user, unit):
        raise PermissionDenied  # can read but not write: 403
    return unit
