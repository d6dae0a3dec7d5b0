"""Data-quality warnings: flows far from the unit's own past, stocks going down, percents jumping."""

from decimal import Decimal

import pytest

from indicators.models import Channel, Indicator
from indicators.periods import Period
from indicators.quality import quality_warnings
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit

pytestmark = pytest.mark.django_db


def warn(unit_code, year, quarter, **cells):
    unit = OrgUnit.objects.get(code=unit_code)
    indicators = list(Indicator.objects.filter(code__in=cells))
    out = quality_warnings(unit=unit, period=Period(year, quarter), cells=cells, indicators=indicators)
    return {w.indicator: w.message for w in out}


def test_a_flow_five_times_its_usual_level_is_flagged():
    # Can Loc issued 1.366–1.741 leaflets a quarter in 2018: 8.000 is far above that.
    w = warn("HT-443", 2019, 1, leaflets_issued={"value": Decimal(8000)})
    assert "Cao gấp" in w["leaflets_issued"] and "4 quý trước" in w["leaflets_issued"]


def test_a_flow_far_below_its_usual_level_is_flagged():
    w = warn("HT-443", 2019, 1, leaflets_issued={"value": Decimal(300)})
    assert "Chỉ bằng" in w["leaflets_issued"]


def test_a_flow_near_its_usual_level_is_not_flagged():
    assert warn("HT-443", 2019, 1, leaflets_issued={"value": Decimal(1800)}) == {}


def test_small_numbers_are_not_flagged():
    # 2 sessions in Q4 2018, none before: 6 is three times the mean but no contradiction.
    assert warn("HT-443", 2019, 1, legal_outreach_sessions={"value": Decimal(6)}) == {}


def test_no_history_no_warning():
    assert warn("HT-444", 2010, 1, leaflets_issued={"value": Decimal(150000)}) == {}


def test_a_stock_going_down_is_flagged(admin_user):
    values_save(rows=[ValueRow("HT-443", "one_stop_shop_districts", 2019, 1, value="5")], by=None, channel=Channel.COMMAND)
    w = warn("HT-443", 2019, 2, one_stop_shop_districts={"value": Decimal(3)})
    assert "Số lũy kế giảm từ 5 (Quý I/2019) xuống 3" in w["one_stop_shop_districts"]
    assert warn("HT-443", 2019, 2, one_stop_shop_districts={"value": Decimal(6)}) == {}


def test_a_percent_jump_is_flagged():
    values_save(rows=[ValueRow("HT-443", "edoc_exchange_rate", 2019, 1, value="85.93")], by=None, channel=Channel.COMMAND)
    w = warn("HT-443", 2019, 2, edoc_exchange_rate={"value": Decimal("40")})
    assert "chênh 45,93 điểm phần trăm" in w["edoc_exchange_rate"]
    assert warn("HT-443", 2019, 2, edoc_exchange_rate={"value": Decimal("90")}) == {}


def test_a_ratio_whose_denominator_changes_is_flagged():
    # Can Loc had 20 of 23 communes with a website in Q4 2018.
    w = warn("HT-443", 2019, 1, commune_websites={"numerator": 21, "denominator": 30})
    assert "Mẫu số đổi từ 23 (Quý IV/2018) thành 30" in w["commune_websites"]
    assert warn("HT-443", 2019, 1, commune_websites={"numerator": 21, "denominator": 23}) == {}


def test_the_seed_reports_leaflet_contradiction_would_be_caught():
    """The 2018 report says 150.000 leaflets in one paragraph and 30.000 in another: entering the first
    after quarters of the second's size is flagged."""
    for q in (1, 2, 3, 4):
        values_save(rows=[ValueRow("HT-SNV", "leaflets_issued", 2019, q, value="7500")], by=None, channel=Channel.COMMAND)
    w = warn("HT-SNV", 2020, 1, leaflets_issued={"value": Decimal(150000) / 4})
    assert "Cao gấp 5 lần" in w["leaflets_issued"]
