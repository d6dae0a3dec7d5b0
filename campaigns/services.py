"""Plan versus actual for campaign targets."""

from dataclasses import dataclass
from decimal import Decimal

from campaigns.models import Target
from indicators.aggregation import Figure


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: Figure

    @property
    def rate(self) -> Decimal | None:
        """Achievement in percent (None when there is no actual figure)."""
        n = self.actual.number
        return None if n is None else n * 100 / self.target.value


def targets_for(*, org_unit, year: int) -> dict[str, Target]:
    """The year's targets that apply to a unit, by indicator code (latest campaign wins)."""
    qs = (
        Target.objects.filter(campaign__year=year, campaign__scope_unit=org_unit)
        .select_related("indicator", "campaign")
        .order_by("campaign__issued_on", "campaign_id")
    )
    return {t.indicator.code: t for t in qs}
