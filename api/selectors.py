"""Read-side querysets of the API, scoped to what a user may see.

Visibility is decided by `organizations.access` (the same rule as the browser):
these functions only apply it to other models. Values are returned as plain
tuples (`.values_list()`), already joined to the codes an integrator uses, so a
page of values is one query whatever its size, and no model or dict is built
for a row before the one the API answers with.
"""

from django.db.models import Exists, OuterRef, Q

from campaigns.models import Campaign
from indicators.aggregation import LAYER_STATUSES, Layer
from indicators.models import DataValue, Submission
from organizations.access import provisional_units_q, visible_units_q
from organizations.models import OrgUnit

# A value as the list and the CSV read it: one tuple, id first (the cursor's position), then the codes.
VALUE_COLUMNS = [
    "id",
    "year",
    "quarter",
    "value",
    "numerator",
    "denominator",
    "note",
    "version",
    "updated_at",
    "org_unit__code",
    "indicator__code",
]


def visible_units(user):
    return OrgUnit.objects.visible_to(user)


def _through(q: Q, relation: str) -> Q:
    """The same condition on OrgUnit, seen from a model that points to it (`pk` → `org_unit__pk`)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [_through(c, relation) if isinstance(c, Q) else (f"{relation}__{c[0]}", c[1]) for c in q.children]
    return out


def _scoped(qs, user, relation: str):
    """Rows of `qs` whose unit (`relation`, a foreign key to OrgUnit) the user may read.

    The rule is access.visible_units_q, applied on the join rather than as
    `IN (subquery)`: PostgreSQL then walks the (year, id) index and stops after
    one page, instead of hashing every visible unit's values first.
    """
    q = visible_units_q(user)
    if not q:  # sees every unit: no need to filter at all
        return qs
    return qs.filter(_through(q, relation))


def values_visible_to(user):
    """DataValues of units the user may read, as tuples of VALUE_COLUMNS (with the unit and indicator codes).

    Unapproved values only where the user enters or reviews them: a leader's
    client reads official values, like the leader's dashboard. The rule is
    decided once per request from the user's memberships; the EXISTS on the
    quarter's submission is added only where it can exclude a row (a reviewer or
    clerk reads every value they see, and their page query stays a plain index walk).
    """
    qs = _scoped(DataValue.objects.all(), user, "org_unit")
    visible_q, drafts_q = visible_units_q(user), provisional_units_q(user)
    if visible_q and drafts_q != visible_q:  # some units (led, not reviewed) show their approved values only
        approved = Submission.objects.filter(
            org_unit_id=OuterRef("org_unit_id"),
            year=OuterRef("year"),
            quarter=OuterRef("quarter"),
            status__in=LAYER_STATUSES[Layer.OFFICIAL],
        )
        qs = qs.filter(_through(drafts_q, "org_unit") | Q(Exists(approved)))
    return qs.values_list(*VALUE_COLUMNS)


def submissions_visible_to(user):
    return _scoped(Submission.objects.select_related("org_unit", "submitted_by", "reviewed_by"), user, "org_unit")


def campaigns_visible_to(user):
    """Campaigns whose scope or lead unit the user may read."""
    units = visible_units(user).values("pk")
    return (
        Campaign.objects.filter(Q(scope_unit__in=units) | Q(lead_unit__in=units))
        .select_related("scope_unit", "lead_unit")
        .prefetch_related("targets__indicator")
        .distinct()
    )
