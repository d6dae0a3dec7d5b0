"""Demo values 2024 – Q3/2026: Ha Tinh before and after the 2025 reorganisation.

Illustrative figures, not official ones: each unit keeps the shape of its 2018
values, grown a little each year, and the reorganisation moves them the way
DESIGN.md's rule expects:

- departments merged on 1/3/2025 report Q1/2025 (two of its three months) and
  stop; a department that absorbed one adds the absorbed flows from then on
  (a third in Q1, all after); the new Agriculture and Environment department
  reports both predecessors' flows;
- the share of documents exchanged electronically (`edoc_exchange_rate`, a
  stock averaged over units) is reported by every department from 2024, the
  merged ones lagging, so a province figure that still counted them after
  they closed would visibly fall;
- communes report the grassroots radio from 2024 (their districts no longer
  do): each old commune has one station until 30/06/2025, each new commune
  keeps its predecessors' stations from 1/7/2025, and their broadcasts;
- districts report their other figures until they close (30/06/2025; Loc Ha
  31/12/2024); after that the province reports the commune-level rates itself,
  and the new communes report the districts' outreach flows (the demo adapts
  the catalogue with reports/demo/catalogue_2025.csv, as a province would with
  import_indicators), each its predecessors' share of their district.

Pure: `rows()` reads the units and the 2018 values and returns ValueRows;
seed_demo saves them through indicators.services like any other channel.
"""

import csv
import zlib
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from indicators.models import Indicator, TimeAggregation, ValueType
from indicators.periods import Period
from indicators.services import ValueRow
from organizations.models import OrgUnit, UnitKind

YEARS = (2024, 2025, 2026)
LAST = Period(2026, 3)  # the demo runs to the latest full quarter before December 2026
GRASSROOTS = ("grassroots_radio_broadcasts", "grassroots_stations_active", "online_dossiers_commune")
# Rates a department reports from 2024 (the province reported them alone in 2018).
DEPARTMENT_RATES = ("edoc_exchange_rate",)
# Flows the districts reported that the new communes report from Q3/2025 (reports/demo/catalogue_2025.csv).
COMMUNE_FLOWS = (
    "website_articles",
    "leaflets_issued",
    "online_service_leaflets",
    "legal_outreach_sessions",
    "online_service_training_classes",
    "online_service_trainees",
    "social_media_posts",
)
# What the province reports for the communes once the districts are gone (they reported it before).
PROVINCE_AFTER_DISTRICTS = {"commune_websites": (69, 69), "one_stop_shop_districts": 69, "district_sector_software_rate": 100}


def periods() -> list[Period]:
    out = []
    for year in YEARS:
        for q in (1, 2, 3, 4):
            p = Period(year, q)
            out.append(p)
            if p == LAST:
                return out
    return out


def _jitter(*key) -> int:
    """A stable small number (0–9) per key, so that the demo is the same on every machine."""
    return zlib.crc32("|".join(map(str, key)).encode()) % 10


def _grow(value: Decimal, year: int, key) -> Decimal:
    factor = Decimal(1) + Decimal("0.04") * (year - 2018) + Decimal(_jitter(*key)) / 200
    return (value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _open_months(unit: OrgUnit, p: Period) -> Decimal:
    """Share of the quarter the unit was open (flows of a quarter split at a mid-quarter change)."""
    start = max(p.calendar_start, unit.valid_from or p.calendar_start)
    end = min(p.calendar_end, unit.valid_to or p.calendar_end)
    months = max(0, (end.year - start.year) * 12 + end.month - start.month + 1)
    return Decimal(months) / 3


def rows(base_2018: list[dict]) -> list[ValueRow]:
    """Every demo cell of 2024 – Q3/2026 for the units open in its quarter (a few thousand rows, no query per row)."""
    units = {u.code: u for u in OrgUnit.objects.prefetch_related("predecessors__successors")}
    indicators = {i.code: i for i in Indicator.objects.all()}
    base: dict[tuple[str, str, int], dict] = {(r["org_unit"], r["indicator"], int(r["quarter"])): r for r in base_2018}
    by_unit: dict[str, set[str]] = defaultdict(set)
    for unit_code, code, _q in base:
        by_unit[unit_code].add(code)
    communes_of: dict[int, list[OrgUnit]] = defaultdict(list)  # by the district's id
    for u in units.values():
        if u.kind == UnitKind.COMMUNE and u.parent_id:
            communes_of[u.parent_id].append(u)
    out: list[ValueRow] = []

    def put(unit, code, p, *, value=None, num=None, den=None):
        out.append(ValueRow(unit.code, code, p.year, p.quarter, value=value, numerator=num, denominator=den))

    def flow(unit_code, code, q, year) -> Decimal | None:
        r = base.get((unit_code, code, q))
        return _grow(Decimal(r["value"]), year, (unit_code, code, q)) if r and r["value"] else None

    for p in periods():
        for unit in units.values():
            if not unit.is_open_between(p.calendar_start, p.calendar_end):
                continue
            share = _open_months(unit, p)
            if unit.kind == UnitKind.COMMUNE:
                out.extend(_commune_rows(unit, p))
                if unit.valid_from and unit.valid_from.year >= 2025:
                    out.extend(_district_flows(unit, p, base, communes_of, units))
                continue
            # The unit's own 2018 shape, and what it took over from predecessors that closed by this quarter.
            sources = [unit.code] + [pr.code for pr in unit.predecessors.all() if pr.valid_to and pr.valid_to < p.calendar_end]
            for code in sorted(set().union(*(by_unit.get(s, set()) for s in sources))):
                ind = indicators[code]
                if code in GRASSROOTS and unit.kind == UnitKind.DISTRICT:
                    continue  # communes report it themselves from 2024
                if code in DEPARTMENT_RATES and unit.kind == UnitKind.PROVINCE:
                    continue
                if unit.kind == UnitKind.PROVINCE and code in PROVINCE_AFTER_DISTRICTS and (p.year, p.quarter) > (2025, 2):
                    continue  # reported below, for the new communes
                if ind.value_type == ValueType.RATIO:
                    r = base.get((unit.code, code, p.quarter)) or base.get((sources[-1], code, p.quarter))
                    if r:
                        den = int(r["denominator"])
                        put(unit, code, p, num=min(den, int(r["numerator"]) + _jitter(unit.code, code) // 4), den=den)
                    continue
                if ind.value_type == ValueType.PERCENT:
                    r = base.get((unit.code, code, p.quarter)) or base.get((sources[-1], code, p.quarter))
                    if r:
                        v = min(Decimal(100), Decimal(r["value"]) + (p.year - 2018) // 2)
                        put(unit, code, p, value=v)
                    continue
                if ind.time_aggregation == TimeAggregation.LAST:
                    v = flow(unit.code, code, p.quarter, p.year) or flow(sources[-1], code, p.quarter, p.year)
                    if v is not None:
                        put(unit, code, p, value=v)
                    continue
                total = Decimal(0)
                found = False
                for s in sources:
                    v = flow(s, code, p.quarter, p.year)
                    if v is None:
                        continue
                    found = True
                    pr = units[s]
                    if s == unit.code:
                        total += v * share
                    elif pr.valid_to and p.calendar_start <= pr.valid_to:
                        total += v * (1 - _open_months(pr, p))  # the rest of the quarter after it passed on
                    else:
                        total += v
                if found:
                    put(unit, code, p, value=total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            if unit.kind == UnitKind.DEPARTMENT:
                # The departments merged in 2025 lagged; the one formed from two of them starts at 98%.
                if unit.valid_to:
                    rate = 82 + _jitter(unit.code) // 2
                elif unit.valid_from and unit.valid_from.year == 2025:
                    rate = 98
                else:
                    rate = min(99, 93 + (p.year - 2024) + _jitter(unit.code) // 3)
                put(unit, "edoc_exchange_rate", p, value=Decimal(rate))
            if unit.kind == UnitKind.PROVINCE and (p.year, p.quarter) > (2025, 2):
                for code, v in PROVINCE_AFTER_DISTRICTS.items():
                    if isinstance(v, tuple):
                        put(unit, code, p, num=v[0] - (1 if p.year == 2025 else 0), den=v[1])
                    else:
                        put(unit, code, p, value=v)
    return out


def _commune_rows(unit: OrgUnit, p: Period) -> list[ValueRow]:
    """An old commune has one station; a new one keeps its predecessors' stations. Broadcasts follow stations.

    A commune divided among several new ones hands its station to the first of them (by code).
    """
    before = _carried(unit)
    stations = max(1, len(before))
    silent = 1 if zlib.crc32(f"{unit.code}{p.year}{p.quarter}".encode()) % 40 == 0 else 0
    broadcasts = stations * (9 + _jitter(unit.code, p.quarter) + (p.year - 2024))
    dossiers = stations * (2 + _jitter(unit.code, p.year, "d") // 3)
    return [
        ValueRow(unit.code, "grassroots_stations_active", p.year, p.quarter, numerator=stations - silent, denominator=stations),
        ValueRow(unit.code, "grassroots_radio_broadcasts", p.year, p.quarter, value=broadcasts),
        ValueRow(unit.code, "online_dossiers_commune", p.year, p.quarter, value=dossiers),
    ]


def _carried(unit: OrgUnit) -> list[OrgUnit]:
    """The predecessors whose share goes to `unit`: a divided commune goes to the first successor (by code)."""
    return [pr for pr in unit.predecessors.all() if min(s.code for s in pr.successors.all()) == unit.code]


def _district_flows(unit, p, base, communes_of, units) -> list[ValueRow]:
    """A new commune reports what the districts did (catalogue_2025.csv): its predecessors' share of their district."""
    by_id = {u.pk: u for u in units.values()}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for pr in _carried(unit):
        district = by_id.get(pr.parent_id)
        if district is None:
            continue
        n = len(communes_of[district.pk]) or 1
        for source in [district, *district.predecessors.all()]:  # Thach Ha carries Loc Ha's share
            for code in COMMUNE_FLOWS:
                r = base.get((source.code, code, p.quarter))
                if r and r["value"]:
                    totals[code] += _grow(Decimal(r["value"]), p.year, (source.code, code, p.quarter)) / n
    return [
        ValueRow(unit.code, code, p.year, p.quarter, value=v.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for code, v in sorted(totals.items())
    ]


def read_base(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))
