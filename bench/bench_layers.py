"""Official figures cost no more than the unfiltered roll-up: the layer filter vs every value, at national size.

The official layer adds an EXISTS on the quarter's submission to the one values
query; the `all` layer is the roll-up as it was before layers (no filter). Target:
official ≤ 1.2× all, for the national and a province roll-up of every indicator,
for a past year (all approved) and the last year (a realistic mix of statuses).
"""

from django.db.models import Max

from bench.dataset import PROVINCE, ROOT, alternating, ensure
from indicators.aggregation import Layer, Rollup
from indicators.models import DataValue, Indicator
from organizations.models import OrgUnit


def run(report, timeit):
    country = ensure()
    last = DataValue.objects.filter(org_unit__path__startswith=country.path).aggregate(y=Max("year"))["y"]
    indicators = list(Indicator.objects.in_report_order())
    for name, code in (("national", ROOT), ("province", PROVINCE)):
        unit = OrgUnit.objects.get(code=code)
        for year in (last - 1, last):

            def rollup(layer, u=unit, y=year):
                r = Rollup(root=u, year=y, indicators=indicators, layer=layer)
                return r.for_unit()

            official, everything = alternating(lambda: rollup(Layer.OFFICIAL), lambda: rollup(Layer.ALL))
            report(f"{name} {year}: official layer vs every value (old rule)", official, everything, target=1.2)

            def with_coverage(u=unit, y=year):
                r = Rollup(root=u, year=y, indicators=indicators)
                return [r.coverage(i) for i in indicators]

            report(f"{name} {year}: official + coverage of every figure vs every value", timeit(with_coverage), everything)
