"""The annual report as a document: parts, sentences, figures, appendix — built once, rendered thrice.

`annual_report(org_unit=, year=, quarter=)` gathers everything the HTML page,
the .xlsx and the .docx show, so the three always say the same thing. Every
figure comes from `indicators.aggregation.Rollup` (the portal's one rule);
plan vs actual from `campaigns.services`. Sentences are written here from
templates with `{{ code }}` placeholders, filled by `reports.narrative`: a
sentence whose figures are missing is left out (falling back to a shorter
wording where one exists), so the report never prints a 0 nobody entered.

Cost: the Rollups of the period, of the same period of the year before and
of each quarter share three queries whatever the tree's size (`Rollup.many`),
plus the narrative, directives, targets and the root's children.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.selectors import year_evidence, year_log_sentence
from campaigns.services import Progress, targets_for
from indicators import figure_cache
from indicators.aggregation import (
    Comparison,
    Coverage,
    Figure,
    Layer,
    Rollup,
    compare,
    document_coverage,
    empty,
    provisional_note,
    values_in_layer,
)
from indicators.formatting import NO_DATA, language, number, percent
from indicators.models import DataValue, Indicator, IndicatorGroup, ValueType
from indicators.periods import Period, Quarter
from organizations.models import OrgUnit, UnitKind
from reports import narrative as nv
from reports.models import Directive, Narrative, Part

ADMINISTRATIVE_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE}

# Local government levels: province, district and commune until 30/06/2025; province and commune after.
THREE_LEVELS, TWO_LEVELS = "three_levels", "two_levels"


def report_structure(root: OrgUnit, on: datetime.date) -> str:
    """Which sentences fit: TWO_LEVELS when no district of `root`'s tree is open on `on`, else THREE_LEVELS.

    Read from the units themselves (which kinds are open), not from a date, so
    another province or a later reorganisation needs no code. `on` is the
    period's last day: stocks are counted then, so "UBND cấp xã" names the
    communes that hold the figure (a 2025 report speaks of the new structure).
    The whole tree counts, not only `root`'s subtree: a department's own report
    speaks of the province as it stands on that day.
    """
    codes = root.ancestor_codes()
    scope = OrgUnit.objects.filter(path__startswith=f"/{codes[0]}/") if codes else OrgUnit.objects.filter(pk=root.pk)
    return THREE_LEVELS if scope.active_on(on).filter(kind=UnitKind.DISTRICT).exists() else TWO_LEVELS


def sentence_templates(structure: str = THREE_LEVELS) -> dict[str, list[list[str]]]:
    """Per indicator group: sentences, each a list of wordings tried in order.

    The first wording whose placeholders all have a figure is used; a sentence
    with none is left out. Indicators that no wording names (new ones added in
    the admin) get a plain "name: figure" sentence, so nothing is lost.
    `structure` (see report_structure) swaps in the groups whose sentences name
    the levels of local government.
    """
    tables = _three_level_templates()
    if structure == TWO_LEVELS:
        tables.update(_two_level_templates())
    return tables


def _two_level_templates() -> dict[str, list[list[str]]]:
    """The groups whose wording names levels, for a province of two levels (province, commune)."""
    return {
        "e_documents": [
            [
                _(
                    "Tỷ lệ văn bản, tài liệu chính thức trao đổi giữa các cơ quan nhà nước trên địa bàn hoàn toàn dưới dạng điện tử "
                    "là {{ edoc_exchange_rate }}."
                )
            ],
            [_("Tỷ lệ trao đổi văn bản điện tử của UBND cấp xã với các cơ quan cấp tỉnh đạt {{ edoc_commune_rate }}.")],
            [
                _(
                    "Tỷ lệ trao đổi văn bản điện tử trong nội bộ các cơ quan nhà nước ở cấp tỉnh là "
                    "{{ edoc_internal_province_district_rate }} (trừ văn bản mật), cấp xã {{ edoc_internal_commune_rate }}."
                ),
                _(
                    "Tỷ lệ trao đổi văn bản điện tử trong nội bộ các cơ quan nhà nước ở cấp tỉnh là "
                    "{{ edoc_internal_province_district_rate }} (trừ văn bản mật)."
                ),
                _("Tỷ lệ trao đổi văn bản điện tử trong nội bộ cấp xã là {{ edoc_internal_commune_rate }}."),
            ],
        ],
        "infrastructure": [
            [
                _(
                    "{{ officials_with_computers_province_district_rate }} cán bộ, công chức cấp tỉnh và "
                    "{{ officials_with_computers_commune_rate }} cán bộ, công chức cấp xã được trang bị máy tính."
                ),
                _("{{ officials_with_computers_province_district_rate }} cán bộ, công chức cấp tỉnh được trang bị máy tính."),
                _("{{ officials_with_computers_commune_rate }} cán bộ, công chức cấp xã được trang bị máy tính."),
            ],
            [
                _(
                    "{{ digital_signature_agency_rate }} cơ quan nhà nước được cung cấp và ứng dụng chữ ký số trong gửi nhận "
                    "văn bản điện tử."
                )
            ],
        ],
        "websites": [
            [
                _(
                    "{{ agency_website_rate }} các sở, ban, ngành và {{ commune_websites }} UBND cấp xã có "
                    "Cổng/trang thông tin điện tử."
                ),
                _("{{ agency_website_rate }} các sở, ban, ngành có Cổng/trang thông tin điện tử."),
                _("{{ commune_websites }} UBND cấp xã có Cổng/trang thông tin điện tử."),
            ],
        ],
        "online_services": [
            [
                _(
                    "Đến nay đã có {{ level3_services_province_district }} dịch vụ công trực tuyến mức độ 3 cấp tỉnh, "
                    "{{ level3_services_per_commune }} dịch vụ công trực tuyến mức độ 3 cho mỗi đơn vị cấp xã."
                ),
                _("Đến nay đã có {{ level3_services_province_district }} dịch vụ công trực tuyến mức độ 3 cấp tỉnh."),
                _("Đến nay đã có {{ level3_services_per_commune }} dịch vụ công trực tuyến mức độ 3 cho mỗi đơn vị cấp xã."),
            ],
            [_("Dịch vụ công trực tuyến mức độ 4 đã được triển khai có hiệu quả tại {{ level4_service_units }} đơn vị.")],
            [
                _(
                    "Trên Cổng dịch vụ công đã phát sinh {{ online_dossiers }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4 "
                    "(trong đó có {{ online_dossiers_commune }} hồ sơ cấp xã)."
                ),
                _("Trên Cổng dịch vụ công đã phát sinh {{ online_dossiers }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4."),
                _("Cấp xã đã phát sinh {{ online_dossiers_commune }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4."),
            ],
        ],
        "information_systems": [
            [
                _(
                    "{{ specialized_database_agency_rate }} cơ quan nhà nước có hệ thống cơ sở dữ liệu chuyên ngành; "
                    "{{ district_sector_software_rate }} UBND cấp xã có các hệ thống phần mềm chuyên ngành."
                ),
                _("{{ specialized_database_agency_rate }} cơ quan nhà nước có hệ thống cơ sở dữ liệu chuyên ngành."),
                _("{{ district_sector_software_rate }} UBND cấp xã có các hệ thống phần mềm chuyên ngành."),
            ],
            [_("Hệ thống một cửa điện tử đã triển khai hiệu quả tại {{ one_stop_shop_districts }} UBND cấp xã.")],
            [
                _(
                    "Các đơn vị đã cập nhật {{ civil_servant_records_rate }} hồ sơ cán bộ, công chức, viên chức vào phần mềm quản lý."
                )
            ],
            [
                _(
                    "Hệ thống quản lý hồ sơ sức khỏe: tiến độ khám tạo lập hồ sơ đạt {{ health_record_exam_rate }}, tiến độ "
                    "cập nhật hồ sơ sức khỏe đạt {{ health_record_update_rate }}."
                ),
                _("Tiến độ khám tạo lập hồ sơ sức khỏe điện tử đạt {{ health_record_exam_rate }}."),
                _("Tiến độ cập nhật hồ sơ sức khỏe điện tử đạt {{ health_record_update_rate }}."),
            ],
        ],
    }


def _three_level_templates() -> dict[str, list[list[str]]]:
    """The sentences of the 2018 report: a province of three levels (province, district, commune)."""
    return {
        "press": [
            [
                _(
                    "Đài Phát thanh và Truyền hình đã xây dựng và phát sóng {{ tv_radio_bulletins }} bản tin, phóng sự "
                    "về công tác cải cách hành chính và {{ tv_radio_thematic_episodes }} số chương trình chuyên đề "
                    "“Cải cách hành chính”."
                ),
                _(
                    "Đài Phát thanh và Truyền hình đã xây dựng và phát sóng {{ tv_radio_bulletins }} bản tin, phóng sự về công tác cải cách hành chính."
                ),
                _("Chương trình chuyên đề “Cải cách hành chính” được phát sóng {{ tv_radio_thematic_episodes }} số."),
            ],
            [
                _(
                    "Báo in và báo điện tử của tỉnh đã đăng tải {{ provincial_newspaper_articles }} tin, bài về công tác cải cách hành chính."
                )
            ],
            [
                _(
                    "Báo chí Trung ương và tỉnh bạn có {{ central_press_articles }} tin, bài tuyên truyền về công tác cải cách hành chính của địa phương."
                )
            ],
            [
                _(
                    "Các tạp chí, bản tin trong tỉnh có {{ local_magazine_articles }} tin, bài tuyên truyền về công tác cải cách hành chính."
                )
            ],
        ],
        "portal": [
            [
                _(
                    "Cổng Thông tin điện tử của tỉnh đã cập nhật {{ portal_articles }} tin, bài tuyên truyền về công tác cải cách hành chính trên địa bàn."
                )
            ],
        ],
        "agencies": [
            [
                _(
                    "Các sở, ngành, địa phương đã phát hành {{ leaflets_issued }} tờ rơi hướng dẫn các quy định của pháp luật "
                    "về cải cách hành chính và tổ chức {{ legal_outreach_sessions }} buổi tuyên truyền, phổ biến, giáo dục pháp luật."
                ),
                _(
                    "Các sở, ngành, địa phương đã phát hành {{ leaflets_issued }} tờ rơi hướng dẫn các quy định của pháp luật về cải cách hành chính."
                ),
                _(
                    "Các sở, ngành, địa phương đã tổ chức {{ legal_outreach_sessions }} buổi tuyên truyền, phổ biến, giáo dục pháp luật."
                ),
            ],
            [_("Phát hành {{ online_service_leaflets }} tờ rơi tuyên truyền về dịch vụ công trực tuyến.")],
            [
                _(
                    "Tổ chức {{ online_service_training_classes }} lớp tập huấn cho {{ online_service_trainees }} lượt người dân, "
                    "doanh nghiệp về sử dụng dịch vụ công trực tuyến."
                ),
                _("Tổ chức {{ online_service_training_classes }} lớp tập huấn về sử dụng dịch vụ công trực tuyến."),
                _("{{ online_service_trainees }} lượt người dân, doanh nghiệp được tập huấn về sử dụng dịch vụ công trực tuyến."),
            ],
            [_("Đăng tải {{ social_media_posts }} video clip, bài viết về cải cách hành chính trên mạng xã hội.")],
            [
                _(
                    "Trang thông tin điện tử của các sở, ngành, địa phương đã đăng tải {{ website_articles }} tin, bài về hoạt động "
                    "cải cách hành chính, tuyên truyền pháp luật."
                )
            ],
        ],
        "grassroots_radio": [
            [
                _(
                    "Hệ thống truyền thanh cơ sở đã phát {{ grassroots_radio_broadcasts }} lượt chương trình phát thanh về công tác "
                    "cải cách hành chính, phổ biến, giáo dục pháp luật."
                )
            ],
            [
                _(
                    "Kết quả: {{ grassroots_stations_active|percent }} trạm truyền thanh cơ sở ({{ grassroots_stations_active }}) "
                    "thường xuyên thực hiện tuyên truyền về cải cách hành chính."
                )
            ],
        ],
        "e_documents": [
            [
                _(
                    "Tỷ lệ văn bản, tài liệu chính thức trao đổi giữa các cơ quan nhà nước trên địa bàn hoàn toàn dưới dạng điện tử "
                    "là {{ edoc_exchange_rate }}."
                )
            ],
            [_("Tỷ lệ trao đổi văn bản điện tử của UBND cấp xã với các cơ quan cấp tỉnh và huyện đạt {{ edoc_commune_rate }}.")],
            [
                _(
                    "Tỷ lệ trao đổi văn bản điện tử trong nội bộ các cơ quan nhà nước ở cấp tỉnh, cấp huyện là "
                    "{{ edoc_internal_province_district_rate }} (trừ văn bản mật), cấp xã {{ edoc_internal_commune_rate }}."
                ),
                _(
                    "Tỷ lệ trao đổi văn bản điện tử trong nội bộ các cơ quan nhà nước ở cấp tỉnh, cấp huyện là "
                    "{{ edoc_internal_province_district_rate }} (trừ văn bản mật)."
                ),
                _("Tỷ lệ trao đổi văn bản điện tử trong nội bộ cấp xã là {{ edoc_internal_commune_rate }}."),
            ],
        ],
        "infrastructure": [
            [
                _(
                    "{{ officials_with_computers_province_district_rate }} cán bộ, công chức cấp tỉnh, cấp huyện và "
                    "{{ officials_with_computers_commune_rate }} cán bộ, công chức cấp xã được trang bị máy tính."
                ),
                _(
                    "{{ officials_with_computers_province_district_rate }} cán bộ, công chức cấp tỉnh, cấp huyện được trang bị máy tính."
                ),
                _("{{ officials_with_computers_commune_rate }} cán bộ, công chức cấp xã được trang bị máy tính."),
            ],
            [
                _(
                    "{{ digital_signature_agency_rate }} cơ quan nhà nước được cung cấp và ứng dụng chữ ký số trong gửi nhận "
                    "văn bản điện tử."
                )
            ],
        ],
        "websites": [
            [
                _(
                    "{{ agency_website_rate }} các sở, ban, ngành, UBND cấp huyện và {{ commune_websites }} UBND cấp xã có "
                    "Cổng/trang thông tin điện tử."
                ),
                _("{{ agency_website_rate }} các sở, ban, ngành, UBND cấp huyện có Cổng/trang thông tin điện tử."),
                _("{{ commune_websites }} UBND cấp xã có Cổng/trang thông tin điện tử."),
            ],
        ],
        "online_services": [
            [
                _(
                    "Đến nay đã có {{ level3_services_province_district }} dịch vụ công trực tuyến mức độ 3 cấp tỉnh và cấp huyện, "
                    "{{ level3_services_per_commune }} dịch vụ công trực tuyến mức độ 3 cho mỗi đơn vị cấp xã."
                ),
                _(
                    "Đến nay đã có {{ level3_services_province_district }} dịch vụ công trực tuyến mức độ 3 cấp tỉnh và cấp huyện."
                ),
                _("Đến nay đã có {{ level3_services_per_commune }} dịch vụ công trực tuyến mức độ 3 cho mỗi đơn vị cấp xã."),
            ],
            [_("Dịch vụ công trực tuyến mức độ 4 đã được triển khai có hiệu quả tại {{ level4_service_units }} đơn vị.")],
            [
                _(
                    "Trên Cổng dịch vụ công đã phát sinh {{ online_dossiers }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4 "
                    "(trong đó có {{ online_dossiers_commune }} hồ sơ cấp xã)."
                ),
                _("Trên Cổng dịch vụ công đã phát sinh {{ online_dossiers }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4."),
                _("Cấp xã đã phát sinh {{ online_dossiers_commune }} hồ sơ dịch vụ công trực tuyến mức độ 3, mức độ 4."),
            ],
        ],
        "information_systems": [
            [
                _(
                    "{{ specialized_database_agency_rate }} cơ quan nhà nước có hệ thống cơ sở dữ liệu chuyên ngành; "
                    "{{ district_sector_software_rate }} UBND cấp huyện có các hệ thống phần mềm chuyên ngành."
                ),
                _("{{ specialized_database_agency_rate }} cơ quan nhà nước có hệ thống cơ sở dữ liệu chuyên ngành."),
                _("{{ district_sector_software_rate }} UBND cấp huyện có các hệ thống phần mềm chuyên ngành."),
            ],
            [
                _(
                    "Hệ thống một cửa điện tử đã triển khai hiệu quả tại {{ one_stop_shop_districts }} UBND huyện, thành phố, thị xã."
                )
            ],
            [
                _(
                    "Các đơn vị đã cập nhật {{ civil_servant_records_rate }} hồ sơ cán bộ, công chức, viên chức vào phần mềm quản lý."
                )
            ],
            [
                _(
                    "Hệ thống quản lý hồ sơ sức khỏe: tiến độ khám tạo lập hồ sơ đạt {{ health_record_exam_rate }}, tiến độ "
                    "cập nhật hồ sơ sức khỏe đạt {{ health_record_update_rate }}."
                ),
                _("Tiến độ khám tạo lập hồ sơ sức khỏe điện tử đạt {{ health_record_exam_rate }}."),
                _("Tiến độ cập nhật hồ sơ sức khỏe điện tử đạt {{ health_record_update_rate }}."),
            ],
        ],
        "ecommerce": [
            [
                _(
                    "Sàn giao dịch thương mại điện tử của tỉnh có {{ ecommerce_member_enterprises }} doanh nghiệp đăng ký làm "
                    "thành viên, {{ ecommerce_booths }} gian hàng."
                ),
                _(
                    "Sàn giao dịch thương mại điện tử của tỉnh có {{ ecommerce_member_enterprises }} doanh nghiệp đăng ký làm thành viên."
                ),
                _("Sàn giao dịch thương mại điện tử của tỉnh có {{ ecommerce_booths }} gian hàng."),
            ],
            [
                _(
                    "Đã cập nhật {{ ecommerce_news_items }} tin tức, văn bản pháp luật về thương mại điện tử; "
                    "{{ ecommerce_new_products }} sản phẩm mới cho {{ ecommerce_product_enterprises }} doanh nghiệp."
                ),
                _("Đã cập nhật {{ ecommerce_news_items }} tin tức, văn bản pháp luật về thương mại điện tử."),
                _("Đã cập nhật {{ ecommerce_new_products }} sản phẩm mới cho {{ ecommerce_product_enterprises }} doanh nghiệp."),
                _("Đã cập nhật {{ ecommerce_new_products }} sản phẩm mới trên Sàn."),
            ],
            [_("Số lần đăng nhập thành viên vào Sàn đạt {{ ecommerce_member_logins }} lượt.")],
        ],
    }


# -- the pieces of the document ----------------------------------------------------------------


@dataclass
class Line:
    """One indicator's figures: the period, the year before, each quarter, the plan."""

    indicator: Indicator
    figure: Figure
    previous: Figure
    quarters: list[Figure]
    target: object = None  # campaigns.models.Target
    comparison: Comparison | None = None  # coverage of both years, and whether they may be compared

    @property
    def coverage(self) -> Coverage | None:
        return self.comparison.coverage if self.comparison else None

    @property
    def coverage_note(self) -> str:
        """'dựa trên 12/38 đơn vị' where not every unit that should report has (in the layer)."""
        c = self.coverage
        return c.display if c is not None and not c.complete and not self.figure.is_empty else ""

    @property
    def comparable(self) -> bool:
        return self.comparison is None or self.comparison.comparable

    as_of: datetime.date | None = None  # counted on this day rather than at the period's end

    @property
    def rate(self) -> Decimal | None:
        return Progress(target=self.target, actual=self.figure).rate if self.target else None

    @property
    def rate_display(self) -> str:
        return percent(self.rate) if self.rate is not None else NO_DATA

    @property
    def target_display(self) -> str:
        return number(self.target.value) if self.target else NO_DATA

    @property
    def change(self) -> Decimal | None:
        """Counts: relative change in %; percents and ratios: difference in percentage points."""
        now, before = self.figure.number, self.previous.number
        if now is None or before is None or not self.comparable:
            return None
        if self.indicator.value_type == ValueType.COUNT:
            return None if before == 0 else (now - before) * 100 / before
        return now - before

    @property
    def change_display(self) -> str:
        c = self.change
        if c is None:
            if not self.comparable and self.comparison.reason:
                return _("không so sánh được")
            return NO_DATA
        sign = "+" if c > 0 else ""
        text = sign + number(c)
        if self.indicator.value_type == ValueType.COUNT:
            return f"{text}%"
        return _("%(v)s điểm %%") % {"v": text}


@dataclass
class GroupBlock:
    group: IndicatorGroup
    lines: list[Line]
    sentences: list[str]


@dataclass
class Item:
    """A numbered heading of "I. KẾT QUẢ ĐẠT ĐƯỢC" with its bullet sentences and sub-items."""

    number: str
    heading: str
    bullets: list[str]
    children: list["Item"] = field(default_factory=list)


@dataclass
class PartBlock:
    code: str
    title: str
    intro: list[str]
    groups: list[GroupBlock]
    extra: list[str]
    strengths: list[str]
    limitations: list[str]
    recommendations: list[str]
    directives: list[str]
    plan_lines: list[Line]
    campaigns: list[str]

    @property
    def lines(self) -> list[Line]:
        return [ln for g in self.groups for ln in g.lines]

    @property
    def has_results(self) -> bool:
        return any(g.sentences for g in self.groups) or bool(self.extra) or bool(self.directives)

    @property
    def items(self) -> list[Item]:
        """Part A: one item per group. Part B, as the seed: 1. directives, 2. IT results by group a), b)…"""
        filled = [g for g in self.groups if g.sentences]
        if not self.directives and self.code == Part.A:
            return [Item(f"{n}.", g.group.name, g.sentences) for n, g in enumerate(filled, start=1)]
        items = []
        if self.directives:
            items.append(Item("1.", _("Công tác chỉ đạo, điều hành"), self.directives))
        if filled:
            letters = "abcdefghijklmnopqrstuvwxyz"
            children = [Item(f"{letters[n % 26]})", g.group.name, g.sentences) for n, g in enumerate(filled)]
            heading = _("Kết quả về ứng dụng công nghệ thông tin") if self.code == Part.B else _("Kết quả thực hiện")
            items.append(Item(f"{len(items) + 1}.", heading, [], children))
        return items

    @property
    def plan_summary(self) -> str:
        if not self.plan_lines:
            return ""
        done = sum(1 for ln in self.plan_lines if ln.rate is not None and ln.rate >= 100)
        return _("%(done)s/%(total)s chỉ tiêu của %(plans)s đạt hoặc vượt kế hoạch năm.") % {
            "done": done,
            "total": len(self.plan_lines),
            "plans": ", ".join(self.campaigns),
        }


@dataclass
class UnitRow:
    code: str
    name: str
    figures: list[Figure]
    is_total: bool = False


@dataclass
class UnitTable:
    group: IndicatorGroup
    indicators: list[Indicator]
    rows: list[UnitRow]


@dataclass
class Heading:
    parent_agency: str
    agency: str
    number: str
    place_date: str
    kind: str
    subtitle: str
    period_note: str


@dataclass
class AnnualReport:
    unit: OrgUnit
    year: int
    quarter: int
    narrative: Narrative | None
    heading: Heading
    parts: list[PartBlock]
    lines: list[Line]
    rollup: Rollup = field(repr=False)
    previous_rollup: Rollup = field(repr=False, default=None)
    layer: str = Layer.OFFICIAL
    coverage: Coverage | None = None  # of the whole document: units that report anything in the period
    directives: list[Directive] = field(default_factory=list)
    signer_title: list[str] = field(default_factory=list)
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)

    @property
    def provisional_note(self) -> str:
        """'Số liệu tạm tính…' on every rendering of a report built from a non-official layer."""
        return provisional_note(self.layer)

    @property
    def coverage_note(self) -> str:
        c = self.coverage
        if c is None or not c.expected:
            return ""
        if c.complete:
            return _("Tổng hợp từ báo cáo của đủ %(n)s/%(n)s đơn vị.") % {"n": c.expected}
        return _("Tổng hợp từ báo cáo của %(r)s/%(e)s đơn vị; các đơn vị còn lại chưa có báo cáo trong kỳ.") % {
            "r": c.reported,
            "e": c.expected,
        }

    @property
    def quarter_labels(self) -> list[str]:
        return [str(Quarter(q).label) for q in range(1, self.quarter + 1)]

    @property
    def dated_lines(self) -> list[Line]:
        """Lines whose figure was counted before the period's end (the appendix notes the day)."""
        return [ln for ln in self.lines if ln.as_of and not ln.figure.is_empty]

    @property
    def figures(self) -> dict[str, Figure]:
        return {ln.indicator.code: ln.figure for ln in self.lines}

    @cached_property
    def changed_since_publication(self) -> list[tuple["Line", str]]:
        """(line, figure as published) where a value was corrected after the year's report went out."""
        if self.quarter != 4:
            return []
        codes = set(nv.changed_since_publication(self.narrative, self.figures))
        then = self.narrative.published_figures if codes else {}
        return [(ln, then.get(ln.indicator.code, {}).get("display", "—")) for ln in self.lines if ln.indicator.code in codes]

    @cached_property
    def evidence(self):
        """Appendix 3: the evidence behind each figure (campaigns.selectors)."""
        return year_evidence(unit=self.unit, year=self.year, quarter=self.quarter)

    @cached_property
    def unit_tables(self) -> list[UnitTable]:
        """Per indicator group: the root's direct children that have a figure, then the total."""
        children = [
            (u.pk, u.code, u.name)
            for u in OrgUnit.objects.filter(parent=self.unit).order_by("path").only("code", "name_vi", "name_en")
        ]
        tables = []
        for part in self.parts:
            for g in part.groups:
                inds = [ln.indicator for ln in g.lines]
                rows = []
                for uid, code, name in children:
                    figs = [self.rollup.figure(i, uid) for i in inds]
                    if any(not f.is_empty for f in figs):
                        rows.append(UnitRow(code, name, figs))
                if not rows and all(ln.figure.is_empty for ln in g.lines):
                    continue
                rows.append(
                    UnitRow(self.unit.code, _("Tổng hợp: %(u)s") % {"u": self.unit.name}, [ln.figure for ln in g.lines], True)
                )
                tables.append(UnitTable(g.group, inds, rows))
        return tables

    def subtree_units(self):
        """Every unit of the subtree, in tree order: (id, code, name, kind, depth), the name in the active language. One query."""
        field = "name_en" if language() == "en" else "name_vi"
        rows = OrgUnit.objects.subtree_of(self.unit).order_by("path").values_list("id", "code", field, "name_vi", "kind", "depth")
        return (
            (uid, code, name or name_vi, kind, depth) for uid, code, name, name_vi, kind, depth in rows.iterator(chunk_size=2000)
        )

    def narrative_items(self) -> list[tuple[str, list[str]]]:
        """(label, paragraphs) of the narrative, figures filled in — for the xlsx sheet."""
        out = []
        for part in self.parts:
            for label, paras in (
                (_("Mở đầu"), part.intro),
                (_("Bổ sung kết quả"), part.extra),
                (_("Ưu điểm"), part.strengths),
                (_("Tồn tại, hạn chế"), part.limitations),
                (_("Kiến nghị, đề xuất"), part.recommendations),
            ):
                if paras:
                    out.append((f"{part.code} · {label}", paras))
        if self.signer_name:
            out.append((_("Người ký"), [*self.signer_title, self.signer_name]))
        if self.recipients:
            out.append((_("Nơi nhận"), self.recipients))
        return out


# -- building ------------------------------------------------------------------------------------


def as_of_dates(*, root: OrgUnit, year: int, quarter: int, indicators, layer: str = Layer.OFFICIAL) -> dict[int, datetime.date]:
    """Indicator id → the day its figure was counted, where that is not the period's end.

    A figure is "as of" the latest `DataValue.as_of` among the values of the
    last quarter that has any (a later quarter counted to its end supersedes it).
    Kept under the data version like the figures (`indicators.figure_cache`):
    `as_of` is a value's field, so any write that could change it moves the
    version; a national report would otherwise scan the year's values each time.
    """
    ids = tuple(sorted(i.pk for i in indicators))
    parts = (root.path, year, quarter, ids, str(layer))
    return dict(figure_cache.kept("as-of", parts, lambda: _as_of_query(*parts)))


def _as_of_query(path, year, quarter, ids, layer) -> tuple[tuple[int, datetime.date], ...]:
    """Two aggregate queries (the second only when some value of the subtree carries a date)."""
    from django.db.models import Max

    values = values_in_layer(
        DataValue.objects.filter(org_unit__path__startswith=path, year=year, quarter__lte=quarter, indicator_id__in=ids),
        layer,
    ).order_by()
    dated = list(values.filter(as_of__isnull=False).values_list("indicator_id", "quarter").annotate(d=Max("as_of")))
    if not dated:
        return ()
    last = dict(values.filter(indicator_id__in={i for i, _q, _d in dated}).values_list("indicator_id").annotate(q=Max("quarter")))
    out: dict[int, datetime.date] = {}
    for ind, q, d in dated:
        if q == last.get(ind) and (ind not in out or d > out[ind]):
            out[ind] = d
    return tuple(out.items())


def with_as_of(sentence: str, day: datetime.date | None) -> str:
    if day is None:
        return sentence
    return _("%(s)s, tính đến ngày %(d)s.") % {"s": sentence.rstrip().rstrip("."), "d": day.strftime("%d/%m/%Y")}


def _sentences(group_code: str, lines: list[Line], figures: dict[str, Figure], plan_rate, structure=THREE_LEVELS) -> list[str]:
    have = {code for code, f in figures.items() if not f.is_empty}
    as_of = {ln.indicator.code: ln.as_of for ln in lines if ln.as_of}
    out, named = [], set()
    for wordings in sentence_templates(structure).get(group_code, []):
        for w in wordings:
            named.update(nv.codes_in(w))
        for w in wordings:
            codes = nv.codes_in(w)
            if codes and all(c in have for c in codes):
                days = [as_of[c] for c in codes if c in as_of]
                out.append(with_as_of(nv.substitute(w, figures, plan_rate), max(days) if days else None))
                break
    for ln in lines:  # indicators no wording covers
        code = ln.indicator.code
        if code not in named and not ln.figure.is_empty:
            unit = "" if ln.indicator.value_type != ValueType.COUNT else f" {ln.indicator.unit}"
            out.append(with_as_of(f"{ln.indicator.name}: {ln.figure.display}{unit}.", ln.as_of))
    return out


def directive_sentence(d: Directive) -> str:
    title = d.title.strip().rstrip(".")
    if not (d.kind or d.number or d.issued_on or d.issuer):
        return title + "."  # a bullet of its own (advice given, several documents), not one document
    if language() == "en":
        # The document's own words stay as issued; English only frames them (no half-translated sentence).
        head = " ".join(x for x in (d.kind, d.number) if x) or _("Văn bản")
        when = [d.issued_on.strftime("%d/%m/%Y")] if d.issued_on else []
        return f"{', '.join([head, *when, *([d.issuer] if d.issuer else [])])}: {title}."
    parts = [d.kind or _("Văn bản")]
    if d.number:
        parts.append(_("số %(n)s") % {"n": d.number})
    if d.issued_on:
        parts.append(_("ngày %(d)s") % {"d": d.issued_on.strftime("%d/%m/%Y")})
    if d.issuer:
        parts.append(_("của %(i)s") % {"i": d.issuer})
    return (
        _("%(head)s về %(title)s.") % {"head": " ".join(parts), "title": title[:1].lower() + title[1:]}
        if title
        else " ".join(parts) + "."
    )


def _place_date(n: Narrative | None) -> str:
    place = (n.place if n else "") or "……"
    if n and n.issued_on:
        d = n.issued_on
        return _("%(place)s, ngày %(d)02d tháng %(m)02d năm %(y)s") % {"place": place, "d": d.day, "m": d.month, "y": d.year}
    return _("%(place)s, ngày …… tháng …… năm ……") % {"place": place}


DEFAULT_TITLE = gettext_noop("Báo cáo tình hình tuyên truyền cải cách hành chính và hiện đại hóa hành chính năm %(y)s")


def issuing_unit(unit: OrgUnit, n: Narrative | None) -> OrgUnit:
    """The unit that signs the report: the one the narrative names as issuer (a department of the unit), else the unit."""
    issuer = (n.issuer if n else "").strip()
    if issuer:
        named = OrgUnit.objects.filter(parent=unit, name_vi__iexact=issuer).first()
        if named is not None:
            return named
    return unit


def _agency_name(unit: OrgUnit) -> str:
    """A province, district or commune signs as its People's Committee (UBND)."""
    if unit.kind in ADMINISTRATIVE_KINDS:
        return _("UBND %(u)s") % {"u": unit.name}
    return unit.name


def _heading(unit: OrgUnit, year: int, quarter: int, n: Narrative | None) -> Heading:
    issuer = issuing_unit(unit, n)
    unit_upper = _agency_name(unit).upper()
    if issuer != unit:
        parent, agency = unit_upper, issuer.name.upper()
    elif n and n.issuer:
        parent, agency = unit_upper, n.issuer.upper()
    else:
        parent, agency = "", unit_upper
    title = (n.title if n else "").strip()
    if not title or title == DEFAULT_TITLE % {"y": year}:
        title = _(DEFAULT_TITLE) % {"y": year}  # the standard title reads in the reader's language
    prefix = _("Báo cáo ")
    subtitle = title[len(prefix) :] if title.lower().startswith(prefix.lower()) else title
    subtitle = subtitle[:1].upper() + subtitle[1:]
    start, end = Period(year, 1).window_start, Period(year, quarter).window_end
    note = _("Số liệu từ ngày %(a)s đến ngày %(b)s") % {"a": start.strftime("%d/%m/%Y"), "b": end.strftime("%d/%m/%Y")}
    if quarter < 4:
        note = _("Lũy kế đến hết %(q)s — %(note)s") % {"q": Period(year, quarter).label, "note": note}
    if n and n.document_number:
        number = _("Số: %(n)s") % {"n": n.document_number}
    elif issuer.abbreviation:
        # Decree 30/2020, Appendix I: number / kind's abbreviation (BC) - issuing unit's abbreviation.
        number = _("Số: ……/BC-%(a)s") % {"a": issuer.abbreviation}
    else:
        number = _("Số: ……/BC")
    return Heading(parent, agency, number, _place_date(n), _("BÁO CÁO"), subtitle, note)


def _quarters(indicator, per_quarter: list[Rollup]) -> list[Figure]:
    return [r.figure(indicator) if indicator.pk in r.figures else empty(indicator) for r in per_quarter]


def annual_report(*, org_unit: OrgUnit, year: int, quarter: int = 4, layer: str = Layer.OFFICIAL) -> AnnualReport:
    indicators = list(Indicator.objects.active().in_report_order())
    # The year to date, the same period of the year before, and each quarter alone: one set of queries.
    periods = [(year, 1, quarter), (year - 1, 1, quarter)] + [(year, q, q) for q in range(1, quarter + 1)]
    rollup, before, *per_quarter = Rollup.many(root=org_unit, periods=periods, indicators=indicators, layer=layer)
    targets = targets_for(org_unit=org_unit, year=year)
    counted_on = as_of_dates(root=org_unit, year=year, quarter=quarter, indicators=indicators, layer=layer)
    lines = []
    for i in indicators:
        c = compare(rollup, before, i)
        lines.append(Line(i, c.figure, c.previous, _quarters(i, per_quarter), targets.get(i.code), c, counted_on.get(i.pk)))
    by_code = {ln.indicator.code: ln for ln in lines}
    figures = {code: ln.figure for code, ln in by_code.items()}

    def plan_rate(code: str) -> str:
        ln = by_code.get(code)
        return ln.rate_display if ln else NO_DATA

    n = Narrative.objects.filter(org_unit=org_unit, year=year).first()
    directives = list(Directive.objects.filter(org_unit=org_unit, year=year))

    def words(name: str) -> list[str]:
        return [nv.substitute(p, figures, plan_rate) for p in nv.paragraphs(getattr(n, name, "") if n else "")]

    groups_by_section: dict[str, list[GroupBlock]] = {Part.A: [], Part.B: []}
    seen_groups: dict[int, GroupBlock] = {}
    for ln in lines:
        g = ln.indicator.group
        if g.pk not in seen_groups:
            seen_groups[g.pk] = GroupBlock(g, [], [])
            groups_by_section.setdefault(ln.indicator.section, []).append(seen_groups[g.pk])
        seen_groups[g.pk].lines.append(ln)
    structure = report_structure(org_unit, Period(year, quarter).calendar_end)
    for block in seen_groups.values():
        block.sentences = _sentences(block.group.code, block.lines, figures, plan_rate, structure)

    def log_sentences(code) -> list[str]:
        # Part A cites the activity log where one exists (campaigns.selectors).
        text = year_log_sentence(unit=org_unit, year=year, quarter=quarter) if code == Part.A else ""
        return [text] if text else []

    titles = {Part.A: _("A. TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH"), Part.B: _("B. HIỆN ĐẠI HÓA HÀNH CHÍNH")}
    parts = []
    for code in (Part.A, Part.B):
        key = code.lower()
        part_lines = [ln for g in groups_by_section[code] for ln in g.lines]
        plan_lines = [ln for ln in part_lines if ln.target]
        parts.append(
            PartBlock(
                code=str(code),
                title=titles[code],
                intro=words(f"intro_{key}"),
                groups=groups_by_section[code],
                extra=log_sentences(code) + words(f"results_{key}"),
                strengths=words(f"strengths_{key}"),
                limitations=words(f"limitations_{key}"),
                recommendations=words(f"recommendations_{key}"),
                directives=[directive_sentence(d) for d in directives if d.part == code],
                plan_lines=plan_lines,
                campaigns=sorted({_("Kế hoạch số %(n)s") % {"n": ln.target.campaign.number} for ln in plan_lines}),
            )
        )
    return AnnualReport(
        unit=org_unit,
        year=year,
        quarter=quarter,
        narrative=n,
        heading=_heading(org_unit, year, quarter, n),
        parts=parts,
        lines=lines,
        rollup=rollup,
        previous_rollup=before,
        layer=layer,
        coverage=document_coverage(rollup),
        directives=directives,
        signer_title=nv.paragraphs(n.signer_title) if n else [],
        signer_name=(n.signer_name if n else "") or "",
        recipients=nv.paragraphs(n.recipients) if n else [],
    )


def render_html(report) -> str:
    """The report as one self-contained HTML file (its stylesheet inlined), for export_report --format html."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    with open(finders.find("css/report.css"), encoding="utf-8") as f:
        css = f.read()
    return render_to_string("reports/annual_standalone.html", {"report": report, "css": css})
