"""Figures inside narrative text: `{{ indicator_code }}` placeholders, filled from the aggregation rule.

The text a reviewer types is data, never a template: one regular expression
finds the placeholders and each is replaced by a figure's display string. No
template engine sees user text, so `{% ... %}` or `{{ x.__class__ }}` print
as typed (and the latter is reported as an unknown placeholder on save).

Forms:
    {{ online_dossiers }}          the figure as the report writes it: 1.131 · 85,93% · 221/262
    {{ commune_websites|percent }} a ratio as a percentage: 84,35%
    {{ online_dossiers|plan }}     the achievement rate of the year's campaign target: 106,67%
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from indicators.formatting import NO_DATA, percent

# Anything between double braces is a placeholder attempt; only `code` or `code|filter` is valid.
ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
PLACEHOLDER = re.compile(r"^\s*([a-z0-9_]+)\s*(?:\|\s*([a-z]+)\s*)?$")
FILTERS = ("percent", "plan")


def _parse(inner: str) -> tuple[str, str] | None:
    m = PLACEHOLDER.match(inner)
    if not m or (m.group(2) and m.group(2) not in FILTERS):
        return None
    return m.group(1), m.group(2) or ""


def placeholder_errors(text: str, known_codes: Iterable[str]) -> list[str]:
    """Messages for each placeholder that names no indicator or is malformed (empty: all good)."""
    known = set(known_codes)
    errors = []
    for m in ANY_PLACEHOLDER.finditer(text or ""):
        parsed = _parse(m.group(1))
        if parsed is None:
            errors.append(
                _("«%(p)s» không phải là chỗ điền số liệu hợp lệ (dùng {{ mã_chỉ_tiêu }} hoặc {{ mã_chỉ_tiêu|percent }}).")
                % {"p": m.group(0)}
            )
        elif parsed[0] not in known:
            errors.append(_("Không có chỉ tiêu mã «%(c)s» (trong «%(p)s»).") % {"c": parsed[0], "p": m.group(0)})
    return errors


def codes_in(text: str) -> list[str]:
    out = []
    for m in ANY_PLACEHOLDER.finditer(text or ""):
        parsed = _parse(m.group(1))
        if parsed and parsed[0] not in out:
            out.append(parsed[0])
    return out


def substitute(text: str, figures: Mapping, plan_rate: Callable[[str], str] | None = None) -> str:
    """Replace each placeholder by its figure's display ("—" where there is no figure).

    `figures` maps indicator codes to `indicators.aggregation.Figure`. A malformed
    or unknown placeholder is left as typed, so the reader sees what is wrong.
    """

    def one(m: re.Match) -> str:
        parsed = _parse(m.group(1))
        if parsed is None or parsed[0] not in figures:
            return m.group(0)
        code, how = parsed
        fig = figures[code]
        if how == "percent":
            return fig.percent_display if fig.value_type == "ratio" else fig.display
        if how == "plan":
            return plan_rate(code) if plan_rate else NO_DATA
        return fig.display

    return ANY_PLACEHOLDER.sub(one, text or "")


def paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line; a leading bullet dash is dropped (the layout adds its own)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith(("- ", "– ", "• ")):
            line = line[2:].strip()
        if line:
            out.append(line)
    return out


def rate_display(rate) -> str:
    return percent(rate)


class NarrativePublished(Exception):
    """A published report's words are frozen until a reviewer withdraws it."""


def narrative_save(*, org_unit, year: int, form, directives, by) -> None:
    """Save a year's narrative and its directive list together (validated forms), all or nothing."""
    from django.db import transaction

    from reports.models import Narrative

    with transaction.atomic():
        if Narrative.objects.filter(org_unit=org_unit, year=year, published=True).exists():
            raise NarrativePublished
        n = form.save(commit=False)
        n.org_unit, n.year, n.updated_by = org_unit, year, by
        n.save()
        for d in directives.save(commit=False):
            d.org_unit, d.year = org_unit, year
            d.save()
        for d in directives.deleted_objects:
            d.delete()


class PublishNeedsReason(Exception):
    """Publishing a report whose coverage is incomplete needs a reason, recorded and printed on it."""


@dataclass
class PublicationCheck:
    """What a reviewer sees before publishing: the report's coverage and the quarters not yet approved."""

    coverage: object  # indicators.aggregation.Coverage of the official figures
    unapproved: list  # (unit, Period, status label), in tree order

    @property
    def complete(self) -> bool:
        return self.coverage.complete and not self.unapproved


def publication_check(*, org_unit, year: int) -> PublicationCheck:
    from indicators.aggregation import Layer, Rollup, document_coverage
    from indicators.completeness import completeness
    from indicators.models import SubmissionStatus

    coverage = document_coverage(Rollup.many(root=org_unit, periods=[(year, 1, 4)], layer=Layer.OFFICIAL)[0])
    unapproved = []
    for q in (1, 2, 3, 4):
        done = completeness(root=org_unit, year=year, quarter=q)
        for st in done.units:
            if st.status != SubmissionStatus.APPROVED:
                label = st.submission.get_status_display() if st.submission else _("Chưa có báo cáo")
                unapproved.append((st.unit, done.period, label))
    unapproved.sort(key=lambda u: (u[0].path, u[1].quarter))
    return PublicationCheck(coverage, unapproved)


def narrative_publish(*, org_unit, year: int, by, publish: bool = True, reason: str = ""):
    """Publish (freeze) or withdraw the year's report of a unit; reviewers of the unit only.

    A report published before every expected unit's quarters are approved
    needs `reason`; it is kept with the report and printed on it.
    """
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from organizations import access
    from reports.models import Narrative

    if not access.can_review(by, org_unit):
        raise PermissionDenied
    from indicators.aggregation import report_document

    reason = (reason or "").strip()
    if publish and not publication_check(org_unit=org_unit, year=year).complete and not reason:
        raise PublishNeedsReason(_("Chưa đủ báo cáo đã phê duyệt của các đơn vị: cần ghi rõ lý do phát hành."))
    n, _created = Narrative.objects.get_or_create(org_unit=org_unit, year=year)
    n.published = publish
    n.published_at, n.published_by = (timezone.now(), by) if publish else (None, None)
    n.published_figures = report_document(org_unit=org_unit, year=year)["figures"] if publish else None
    n.publish_reason = reason if publish else ""
    n.save(update_fields=["published", "published_at", "published_by", "published_figures", "publish_reason", "updated_at"])
    return n


def changed_since_publication(narrative, figures: Mapping) -> list[str]:
    """Indicator codes whose figure differs from the one published (values corrected afterwards)."""
    if not narrative or not narrative.published or not narrative.published_figures:
        return []
    then = narrative.published_figures
    # Published figures are stored in Vietnamese: compare like with like, whatever the reader's language.
    return [code for code, f in figures.items() if then.get(code, {}).get("display") != f.display_in("vi")]
