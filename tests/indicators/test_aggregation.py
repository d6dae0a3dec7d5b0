"""The aggregation rule of DESIGN.md, branch by branch, on trees written in the test."""

import pytest

from indicators.aggregation import Rollup, figure_for, figures_for
from indicators.models import Indicator
from tests.indicators.builders import put, tree


@pytest.fixture
def t(db):
    """T (province) → D1 (communes X1, X2), D2 (commune X1), D3 (no communes)."""
    return tree(
        ("T", "", "province"),
        ("T-D1", "T", "district"),
        ("T-D2", "T", "district"),
        ("T-D3", "T", "district"),
        ("T-D1-X1", "T-D1", "commune"),
        ("T-D1-X2", "T-D1", "commune"),
        ("T-D2-X1", "T-D2", "commune"),
    )


def fig(unit, code, year=2030, quarter=4, **kw):
    return figure_for(indicator=Indicator.objects.get(code=code), org_unit=unit, year=year, quarter=quarter, **kw)


def test_sum_over_time_adds_the_quarters_up_to_the_one_asked(t):
    put(*[(t["T-D1-X1"].code, "grassroots_radio_broadcasts", 2030, q, v) for q, v in [(1, 10), (2, 20), (3, 30), (4, 40)]])
    assert fig(t["T-D1-X1"], "grassroots_radio_broadcasts").value == 100
    assert fig(t["T-D1-X1"], "grassroots_radio_broadcasts", quarter=2).value == 30
    assert fig(t["T-D1-X1"], "grassroots_radio_broadcasts", quarter=3, from_quarter=3).value == 30


def test_last_over_time_takes_the_latest_quarter_that_has_a_value(t):
    put(("T-D1", "one_stop_shop_districts", 2030, 1, 3), ("T-D1", "one_stop_shop_districts", 2030, 3, 5))
    assert fig(t["T-D1"], "one_stop_shop_districts").value == 5  # Q4 empty: Q3 stands
    assert fig(t["T-D1"], "one_stop_shop_districts", quarter=2).value == 3


def test_last_takes_a_ratios_numerator_and_denominator_from_the_same_quarter(t):
    put(("T-D1-X1", "grassroots_stations_active", 2030, 1, (1, 4)), ("T-D1-X1", "grassroots_stations_active", 2030, 2, (3, 3)))
    f = fig(t["T-D1-X1"], "grassroots_stations_active")
    assert (f.numerator, f.denominator, f.display) == (3, 3, "3/3")


def test_sum_over_units_recurses_through_every_level(t):
    put(
        ("T-D1-X1", "grassroots_radio_broadcasts", 2030, 1, 5),
        ("T-D1-X2", "grassroots_radio_broadcasts", 2030, 1, 7),
        ("T-D2-X1", "grassroots_radio_broadcasts", 2030, 2, 1000),
    )
    assert fig(t["T-D1"], "grassroots_radio_broadcasts").value == 12
    assert fig(t["T"], "grassroots_radio_broadcasts").value == 1012


def test_a_units_own_value_wins_and_its_subtree_is_not_counted_twice(t):
    """D1 reports for its whole district (20); its communes' 5 + 7 are already inside it."""
    put(
        ("T-D1", "grassroots_radio_broadcasts", 2030, 1, 20),
        ("T-D1-X1", "grassroots_radio_broadcasts", 2030, 1, 5),
        ("T-D1-X2", "grassroots_radio_broadcasts", 2030, 1, 7),
        ("T-D2-X1", "grassroots_radio_broadcasts", 2030, 1, 3),
    )
    rollup = Rollup(root=t["T"], year=2030, indicators=Indicator.objects.filter(code="grassroots_radio_broadcasts"))
    assert rollup.figure("grassroots_radio_broadcasts", t["T-D1"].pk).value == 20
    assert rollup.figure("grassroots_radio_broadcasts").value == 23
    assert rollup.sources("grassroots_radio_broadcasts") == [t["T-D1"].pk, t["T-D2-X1"].pk]


def test_mean_averages_only_the_children_that_have_a_figure(t):
    """District-level rates with no province figure: the province is their mean; D3 has none."""
    put(("T-D1", "edoc_commune_rate", 2030, 4, 90), ("T-D2", "edoc_commune_rate", 2030, 4, "85.5"))
    f = fig(t["T"], "edoc_commune_rate")
    assert f.value == pytest.approx(87.75)
    assert f.display == "87,75%"


def test_mean_rounds_for_display_but_not_before_rolling_up(t):
    put(
        ("T-D1", "edoc_commune_rate", 2030, 4, 100),
        ("T-D2", "edoc_commune_rate", 2030, 4, 99),
        ("T-D3", "edoc_commune_rate", 2030, 4, 99),
    )
    f = fig(t["T"], "edoc_commune_rate")
    assert f.display == "99,33%"
    assert f.as_json()["value"] == "99.33"


def test_the_provinces_own_rate_wins_over_the_mean_of_its_districts(t):
    put(("T", "edoc_commune_rate", 2030, 4, 60), ("T-D1", "edoc_commune_rate", 2030, 4, 90))
    assert fig(t["T"], "edoc_commune_rate").value == 60


def test_ratio_adds_numerators_and_denominators_separately(t):
    put(
        ("T-D1-X1", "grassroots_stations_active", 2030, 4, (1, 1)),
        ("T-D1-X2", "grassroots_stations_active", 2030, 4, (0, 1)),
        ("T-D2", "grassroots_stations_active", 2030, 4, (9, 12)),
    )
    f = fig(t["T"], "grassroots_stations_active")
    assert (f.numerator, f.denominator) == (10, 14)
    assert f.display == "10/14"
    assert f.percent_display == "71,43%"


def test_no_value_anywhere_is_no_figure_not_zero(t):
    f = fig(t["T"], "grassroots_radio_broadcasts")
    assert f.is_empty and f.value is None
    assert f.display == "—"
    assert f.as_json() == {"value": None, "numerator": None, "denominator": None, "display": "—"}


def test_a_zero_someone_entered_is_a_zero(t):
    put(("T-D3", "grassroots_radio_broadcasts", 2030, 1, 0))
    assert fig(t["T"], "grassroots_radio_broadcasts").display == "0"


def test_partial_year_sums_what_was_reported(t):
    put(("T-D1-X1", "grassroots_radio_broadcasts", 2030, 1, 4), ("T-D2-X1", "grassroots_radio_broadcasts", 2030, 3, 6))
    assert fig(t["T"], "grassroots_radio_broadcasts", quarter=1).value == 4
    assert fig(t["T"], "grassroots_radio_broadcasts", quarter=2).value == 4
    assert fig(t["T"], "grassroots_radio_broadcasts").value == 10


def test_other_years_and_other_trees_do_not_leak_in(t):
    put(("T-D1-X1", "grassroots_radio_broadcasts", 2029, 4, 99), ("T-D1-X1", "grassroots_radio_broadcasts", 2030, 1, 1))
    assert fig(t["T"], "grassroots_radio_broadcasts").value == 1
    # Ha Tinh's demo values sit in the same table and are not part of T.
    assert figures_for(org_unit=t["T"], year=2018)["grassroots_radio_broadcasts"].is_empty


def test_the_number_of_queries_does_not_grow_with_the_tree(t, django_assert_num_queries):
    def count(root):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            figures_for(org_unit=root, year=2030)
        return len(ctx)

    small = count(t["T-D3"])
    big_tree = tree(
        *[("B", "", "province")]
        + [(f"B-D{i}", "B", "district") for i in range(30)]
        + [(f"B-D{i}-X{j}", f"B-D{i}", "commune") for i in range(30) for j in range(5)]
    )
    put(*[(f"B-D{i}-X{j}", "grassroots_radio_broadcasts", 2030, 1, i + j) for i in range(30) for j in range(5)])
    assert count(big_tree["B"]) == small == 6  # the tree's digest, units, succession edges, submissions, indicators, values


def test_many_periods_share_one_set_of_queries_and_agree_with_single_rollups(t, django_assert_num_queries):
    put(
        *[("T-D1-X1", "grassroots_radio_broadcasts", y, q, 10 * q + y - 2029) for y in (2029, 2030) for q in (1, 2, 3, 4)],
        ("T-D2", "grassroots_stations_active", 2030, 2, (3, 5)),
        ("T-D1", "edoc_commune_rate", 2029, 3, 70),
        ("T-D1", "edoc_commune_rate", 2030, 1, 75),
    )
    indicators = list(
        Indicator.objects.filter(code__in=["grassroots_radio_broadcasts", "grassroots_stations_active", "edoc_commune_rate"])
    )
    periods = [(2030, 1, 4), (2029, 1, 4), (2030, 2, 2), (2030, 1, 3), (2029, 4, 4)]
    with django_assert_num_queries(5):  # the tree's digest, units, succession edges, submissions, values (indicators given)
        many = Rollup.many(root=t["T"], periods=periods, indicators=indicators)
    for (year, first, last), rollup in zip(periods, many, strict=True):
        single = Rollup(root=t["T"], year=year, from_quarter=first, quarter=last, indicators=indicators)
        assert rollup.for_unit() == single.for_unit()
    assert [r.figure("grassroots_radio_broadcasts").value for r in many] == [104, 100, 21, 63, 40]
