"""The seam through which the activity log (campaigns) annotates the quarterly form — without indicators importing it.

Apps depend one way (reports → campaigns → indicators → organizations), yet the form of this app
shows figures that the campaigns app computes. So indicators defines this small provider interface
and campaigns registers its implementation in `CampaignsConfig.ready()`. With no provider (a
deployment without campaigns, or tests of indicators alone) every function here answers "no log",
and the form, the services and the review pages behave exactly as before.

Why a registered provider rather than, say, the entry page fetching annotations from a campaigns URL:
the same figures are needed inside `indicators.services` (a figure that differs from the log needs a
note; the history records whether a saved figure was the log's), which must hold for the API and
the imports too, not only for a page that ran some JavaScript.

A provider is an object with these methods:

- `hints(*, unit, period, indicators, user) -> dict[code, Hint]`: the log's figure per indicator of a
  unit's quarter (only indicators the log feeds);
- `sums(*, cells) -> dict[(unit_id, indicator_id, year, quarter), Decimal]`: the same figures for many
  cells at once, for `notes_missing` and `mark_sources` below, called by `indicators.services`;
- `differences(*, submissions) -> dict[submission_id, int]`: how many figures differ, for /review/;
- `panel(*, request, page) -> str`: HTML beside the form (the quarter's log link and evidence).
"""

from dataclasses import dataclass, field
from decimal import Decimal

_provider = None


@dataclass
class Hint:
    value: Decimal  # what the log adds up to for this indicator
    summary: str  # "5 lớp, 1.020 lượt người"
    url: str  # the activities behind it
    activities: int
    evidence: list = field(default_factory=list)  # (name, url) pairs a reviewer can open

    def differs_from(self, current) -> bool:
        """Whether a stored value (DataValue or None) says something else than the log."""
        return current is None or current.value is None or Decimal(current.value) != self.value


def register(provider) -> None:
    global _provider
    _provider = provider


def has_provider() -> bool:
    return _provider is not None


def hints(*, unit, period, indicators, user=None) -> dict:
    if _provider is None:
        return {}
    return _provider.hints(unit=unit, period=period, indicators=indicators, user=user)


def sums(cells: set[tuple[int, int, int, int]]) -> dict:
    if _provider is None or not cells:
        return {}
    return _provider.sums(cells=cells)


def attach(cells, *, unit, period, user=None, form=None) -> None:
    """Give each form cell its `log_hint` (or None); the entry template's per-indicator include shows it.

    With an unbound `form`, an empty cell is pre-filled with the log's figure: saving then records it as
    taken from the log, while the clerk can still type another figure (with a note) over it.
    """
    found = hints(unit=unit, period=period, indicators=[c.indicator for c in cells], user=user)
    for c in cells:
        h = c.log_hint = found.get(c.indicator.code)
        if h is None:
            continue
        h.differs = c.current is not None and h.differs_from(c.current)
        name = f"v-{c.code}"
        if form is not None and not form.is_bound and c.current is None and name in form.fields:
            from indicators.entry import number_display  # as the form shows numbers: 1.520

            form.initial[name] = number_display(int(h.value))


def panel(*, request, page) -> str:
    """HTML the provider adds beside the form (the quarter's evidence); empty without a provider."""
    if _provider is None:
        return ""
    return _provider.panel(request=request, page=page)


def annotate_submissions(submissions) -> None:
    """Set `log_differs` on submissions: how many of their figures differ from the activity log (for /review/)."""
    subs = list(submissions)
    counts = _provider.differences(submissions=subs) if _provider is not None and subs else {}
    for s in subs:
        s.log_differs = counts.get(s.pk, 0)


def notes_missing(checked) -> list:
    """Rows of values_validate whose figure differs from the log and that give no note saying why.

    `checked` is values_validate's list of (row, unit, indicator, cell). Each row keeps the log's figure
    (`log_value`, None without one) for `mark_sources`, so the save asks the provider only once.
    """
    from indicators import value_messages
    from reform_portal.tabular import RowError

    wanted = {(u.pk, i.pk, r.year, r.quarter): (r, cell) for r, u, i, cell in checked if cell and cell.get("value") is not None}
    found = sums(set(wanted))
    errors = []
    for key, (r, cell) in wanted.items():
        r.log_value = log_value = found.get(key)
        if log_value is not None and Decimal(cell["value"]) != log_value and not cell["note"]:
            errors.append(RowError(r.row, "note", value_messages.log_differs(log_value)))
    return errors


def mark_sources(changes, checked) -> None:
    """Set `source` on the ValueChange rows about to be saved: from_log when the new figure is the log's.

    Reads the log's figures that notes_missing kept on the rows of `checked` (no query).
    """
    from indicators.models import ValueSource

    log_values = {(u.pk, i.pk, r.year, r.quarter): getattr(r, "log_value", None) for r, u, i, _c in checked}
    for change in changes:
        log_value = log_values.get((change.org_unit.pk, change.indicator.pk, change.year, change.quarter))
        if log_value is not None and change.new and change.new.get("value") is not None:
            change.source = ValueSource.FROM_LOG if Decimal(change.new["value"]) == log_value else ValueSource.TYPED
