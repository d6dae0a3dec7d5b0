"""The rule across a reorganisation (DESIGN.md steps 2 and 5): stocks at the period's end, the year before through predecessors."""

import pytest

from indicators.aggregation import Rollup, compare
from organizations.models import OrgUnit
from organizations.services import org_units_import
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db


def units(*rows):
    """rows: (code, parent, kind, valid_from, valid_to, predecessors)."""
    org_units_import(
        rows=[
            {"code": c, "parent": p, "kind": k, "name_vi": c, "valid_from": f, "valid_to": t or ""} for c, p, k, f, t, _pr in rows
        ]
    )
    by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=[r[0] for r in rows])}
    for c, _p, _k, _f, _t, preds in rows:
        if preds:
            by_code[c].predecessors.set([by_code[x] for x in preds])
    return by_code


@pytest.fixture
def province():
    """S: districts D1, D2 close 30/06/2025; their communes merge into N (new) on 1/7; D3's area becomes commune C3;
    department A absorbs B (closed 28/02/2025, mid-quarter); E splits into E1 and E2."""
    return units(
        ("S", "", "province", "2000-01-01", None, []),
        ("S-D1", "S", "district", "2000-01-01", "2025-06-30", []),
        ("S-D2", "S", "district", "2000-01-01", "2025-06-30", []),
        ("S-D3", "S", "district", "2000-01-01", "2025-06-30", []),
        ("S-N", "S", "commune", "2025-07-01", None, ["S-D1", "S-D2"]),
        ("S-C3", "S", "commune", "2025-07-01", None, ["S-D3"]),
        ("S-A", "S", "department", "2000-01-01", None, ["S-B"]),
        ("S-B", "S", "department", "2000-01-01", "2025-02-28", []),
        ("S-E", "S", "district", "2000-01-01", "2025-06-30", []),
        ("S-E1", "S", "commune", "2025-07-01", None, ["S-E"]),
        ("S-E2", "S", "commune", "2025-07-01", None, ["S-E"]),
    )


def test_a_stock_counts_only_the_units_open_at_the_periods_end(province):
    put(
        ("S-D1", "grassroots_stations_active", 2025, 2, (10, 12)),
        ("S-D2", "grassroots_stations_active", 2025, 2, (4, 4)),
        ("S-N", "grassroots_stations_active", 2025, 4, (15, 16)),
    )
    year = Rollup(root=province["S"], year=2025)
    assert year.figure("grassroots_stations_active").display == "15/16"  # not 29/32: D1 and D2 passed to N
    half = Rollup(root=province["S"], year=2025, quarter=2)
    assert half.figure("grassroots_stations_active").display == "14/16"  # at 30/06 the districts were still open


def test_a_mean_stock_does_not_average_a_department_closed_mid_quarter(province):
    put(("S-B", "edoc_exchange_rate", 2025, 1, 60), ("S-A", "edoc_exchange_rate", 2025, 1, 98))
    assert Rollup(root=province["S"], year=2025, quarter=1).figure("edoc_exchange_rate").display == "98%"


def test_a_flow_counts_every_quarter_a_unit_was_open(province):
    put(
        ("S-D1", "grassroots_radio_broadcasts", 2025, 1, 10),
        ("S-D1", "grassroots_radio_broadcasts", 2025, 2, 10),
        ("S-N", "grassroots_radio_broadcasts", 2025, 3, 7),
        ("S-N", "grassroots_radio_broadcasts", 2025, 4, 8),
    )
    assert Rollup(root=province["S"], year=2025).figure("grassroots_radio_broadcasts").display == "35"


def compared(root, unit, code, year=2026, quarter=4):
    now, before = Rollup.many(root=root, periods=[(year, 1, quarter), (year - 1, 1, quarter)])
    return compare(now, before, code, unit.pk)


def test_a_merger_into_a_new_unit_compares_with_its_predecessors(province):
    put(
        ("S-D1", "grassroots_radio_broadcasts", 2024, 1, 40),
        ("S-D2", "grassroots_radio_broadcasts", 2024, 1, 60),
        ("S-N", "grassroots_radio_broadcasts", 2025, 3, 30),
        ("S-N", "grassroots_radio_broadcasts", 2025, 4, 20),
    )
    c = compared(province["S"], province["S-N"], "grassroots_radio_broadcasts", year=2025)
    assert (c.figure.display, c.previous.display) == ("50", "100")  # not "+100% against its own half year"
    assert c.predecessors == ("S-D1", "S-D2") and c.through_predecessors


def test_an_absorption_compares_the_continuing_unit_with_itself_and_what_it_absorbed(province):
    put(
        ("S-A", "online_dossiers", 2024, 1, 300),
        ("S-B", "online_dossiers", 2024, 1, 200),
        ("S-A", "online_dossiers", 2025, 1, 470),
    )
    c = compared(province["S"], province["S-A"], "online_dossiers", year=2025, quarter=1)
    assert (c.figure.display, c.previous.display) == ("470", "500")  # a fall of 6%, not a rise of 57%


def test_a_stock_compares_with_the_predecessors_open_at_last_years_end(province):
    put(
        ("S-D3", "grassroots_stations_active", 2024, 4, (8, 10)),
        ("S-C3", "grassroots_stations_active", 2025, 4, (9, 10)),
    )
    c = compared(province["S"], province["S-C3"], "grassroots_stations_active", year=2025)
    assert (c.figure.display, c.previous.display) == ("9/10", "8/10")  # the district whose area became one commune


def test_a_split_has_no_like_for_like_comparison(province):
    put(("S-E", "grassroots_radio_broadcasts", 2024, 2, 90), ("S-E1", "grassroots_radio_broadcasts", 2025, 3, 30))
    c = compared(province["S"], province["S-E1"], "grassroots_radio_broadcasts", year=2025)
    assert not c.comparable and c.previous.is_empty
    assert "S-E" in c.reason and "chia cho nhiều đơn vị" in c.reason


def test_the_province_compares_with_itself_as_it_was(province):
    put(
        ("S-D1", "grassroots_stations_active", 2024, 4, (10, 12)),
        ("S-N", "grassroots_stations_active", 2025, 4, (15, 16)),
    )
    c = compared(province["S"], province["S"], "grassroots_stations_active", year=2025)
    assert (c.figure.display, c.previous.display, c.predecessors) == ("15/16", "10/12", ())
