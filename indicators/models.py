import functools

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.periods import Period, Quarter
from organizations.data_version import VersionedQuerySet
from organizations.models import UnitKind


class Section(models.TextChoices):
    A = "A", _("A. Tuyên truyền cải cách hành chính")
    B = "B", _("B. Hiện đại hóa hành chính")


class ValueType(models.TextChoices):
    COUNT = "count", _("Số đếm")
    PERCENT = "percent", _("Tỷ lệ %")
    RATIO = "ratio", _("Tử số / mẫu số")


class TimeAggregation(models.TextChoices):
    SUM = "sum", _("Cộng dồn các quý")
    LAST = "last", _("Lấy quý gần nhất")


class UnitAggregation(models.TextChoices):
    SUM = "sum", _("Cộng các đơn vị")
    MEAN = "mean", _("Trung bình các đơn vị")
    RATIO = "ratio", _("Cộng tử số và mẫu số")


def _localized(obj, field: str) -> str:
    if (get_language() or "vi").startswith("en"):
        return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_vi")
    return getattr(obj, f"{field}_vi")


class IndicatorGroup(models.Model):
    code = models.SlugField(_("mã nhóm"), max_length=40, unique=True)
    section = models.CharField(_("phần"), max_length=1, choices=Section.choices)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name_vi = models.CharField(_("tên tiếng Việt"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)

    objects = VersionedQuerySet.as_manager()
    figure_fields = ()  # a group's name and place in the report are labels: no figure reads them

    class Meta:
        verbose_name = _("nhóm chỉ tiêu")
        verbose_name_plural = _("nhóm chỉ tiêu")
        ordering = ["section", "order", "code"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")


class IndicatorQuerySet(VersionedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def reported_by(self, kind: str):
        # reported_by is a short comma list; a regex keeps this one query on SQLite and PostgreSQL.
        return self.filter(reported_by__regex=rf"(^|,){kind}(,|$)")

    def in_report_order(self):
        return self.select_related("group").order_by("section", "group__order", "order", "code")


def validate_reported_by(text: str) -> None:
    from django.core.exceptions import ValidationError

    bad = [k for k in text.split(",") if k not in UnitKind.values]
    if bad or not text:
        raise ValidationError(_("Loại đơn vị không hợp lệ: %(k)s") % {"k": ", ".join(bad) or "—"})


class Indicator(models.Model):
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    section = models.CharField(_("phần"), max_length=1, choices=Section.choices)
    group = models.ForeignKey(IndicatorGroup, verbose_name=_("nhóm"), on_delete=models.PROTECT, related_name="indicators")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name_vi = models.CharField(_("tên tiếng Việt"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    unit_vi = models.CharField(_("đơn vị tính"), max_length=40)
    unit_en = models.CharField(_("đơn vị tính (tiếng Anh)"), max_length=40, blank=True)
    value_type = models.CharField(_("kiểu giá trị"), max_length=10, choices=ValueType.choices)
    time_aggregation = models.CharField(_("tổng hợp theo thời gian"), max_length=10, choices=TimeAggregation.choices)
    unit_aggregation = models.CharField(_("tổng hợp theo đơn vị"), max_length=10, choices=UnitAggregation.choices)
    reported_by = models.CharField(
        _("loại đơn vị báo cáo"),
        max_length=200,
        validators=[validate_reported_by],
        help_text=_("Các loại đơn vị, cách nhau bằng dấu phẩy, ví dụ: department,district"),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    objects = IndicatorQuerySet.as_manager()
    # What figures read of an indicator (organizations.data_version): names, units of measure and the place in
    # the report are labels, which a save may change keeping every computed figure.
    figure_fields = ("code", "value_type", "time_aggregation", "unit_aggregation", "reported_by", "is_active")

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["section", "order", "code"]
        constraints = [
            # A ratio must roll up as a ratio, and only a ratio can.
            models.CheckConstraint(
                condition=(Q(value_type="ratio") & Q(unit_aggregation="ratio"))
                | (~Q(value_type="ratio") & ~Q(unit_aggregation="ratio")),
                name="ratio_rolls_up_as_ratio",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name_vi}"

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def unit(self):
        """The unit of measure in the active language (unit_en when English is chosen and one is given)."""
        return _localized(self, "unit")

    @property
    def reported_by_kinds(self) -> tuple[str, ...]:
        return _kinds_of(self.reported_by)

    def is_reported_by(self, kind: str) -> bool:
        return kind in self.reported_by_kinds


@functools.lru_cache(maxsize=256)
def _kinds_of(reported_by: str) -> tuple[str, ...]:
    """Parsed once per distinct text, as the fold asks per figure: "district,commune" → ("district", "commune")."""
    return tuple(k for k in reported_by.split(",") if k)


class DataValue(models.Model):
    # No index of their own: the covering indexes below lead with each (and serve the PROTECT checks).
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, db_index=False)
    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, db_index=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=Quarter.choices)
    value = models.DecimalField(_("giá trị"), max_digits=16, decimal_places=2, null=True, blank=True)
    numerator = models.BigIntegerField(_("tử số"), null=True, blank=True)
    denominator = models.BigIntegerField(_("mẫu số"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True, max_length=1000)
    # The day a stock was counted, when it is not the end of the quarter ("tính đến 31/10/2018").
    as_of = models.DateField(_("tính đến ngày"), null=True, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VersionedQuerySet.as_manager()
    data_cells = ("org_unit_id", "year")  # the data version logs writes by (unit, year)

    class Meta:
        verbose_name = _("số liệu")
        verbose_name_plural = _("số liệu")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year", "quarter"], name="one_value_per_cell"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="value_not_negative"),
            models.CheckConstraint(condition=Q(numerator__isnull=True) | Q(numerator__gte=0), name="numerator_not_negative"),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__lte=F("denominator")), name="numerator_within_denominator"
            ),
            # Either a plain value or a numerator/denominator pair, never both, never neither.
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(numerator__isnull=True) & Q(denominator__isnull=True))
                | (Q(value__isnull=True) & Q(numerator__isnull=False) & Q(denominator__isnull=False)),
                name="value_or_ratio",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "quarter", "indicator"], name="value_period_idx"),
            # Covering: the fold's pivot (indicators.fold_sql) reads the cells from an index alone. At 10 M values
            # a province's two years took 478 ms as a scan of the table and 35 ms by the first; the nation's
            # trend of one indicator over three years took 730 ms by a bitmap scan and 200 ms by the second.
            models.Index(
                fields=["org_unit", "year"],
                include=["indicator", "quarter", "value", "numerator", "denominator"],
                name="value_unit_year_cover_idx",
            ),
            models.Index(
                fields=["indicator", "year"],
                include=["org_unit", "quarter", "value", "numerator", "denominator"],
                name="value_indicator_year_cover_idx",
            ),
            models.Index(fields=["year", "id"], name="value_year_id_idx"),
            models.Index(fields=["updated_at", "id"], name="value_updated_idx"),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.org_unit.code} · {self.period.label}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.quarter)

    def as_cell(self) -> dict:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "note": self.note,
            "as_of": self.as_of,
        }


class Channel(models.TextChoices):
    FORM = "form", _("Biểu mẫu")
    UPLOAD = "upload", _("Tải lên Excel")
    API = "api", _("API")
    COMMAND = "command", _("Dòng lệnh")
    ADMIN = "admin", _("Trang quản trị")


class ValueSource(models.TextChoices):
    TYPED = "typed", _("Nhập tay")
    FROM_LOG = "from_log", _("Theo nhật ký hoạt động")


class ValueChange(models.Model):
    """Audit history: one row per change of one cell, written by indicators.services."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("organizations.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(choices=Quarter.choices)
    old = models.JSONField(_("trước"), null=True, blank=True)  # None: the cell was empty
    new = models.JSONField(_("sau"), null=True, blank=True)  # None: the cell was cleared
    version = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    # Whether the new figure is the activity log's sum (indicators.log_hints) or another typed figure.
    source = models.CharField(_("nguồn"), max_length=10, choices=ValueSource.choices, default=ValueSource.TYPED)
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lịch sử thay đổi")
        verbose_name_plural = _("lịch sử thay đổi")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["org_unit", "year", "quarter", "indicator"], name="change_cell_idx")]

    def __str__(self):
        return f"{self.indicator_id} · {self.org_unit_id} · {self.year}/{self.quarter} · {self.channel}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã gửi duyệt")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Đã phê duyệt")


class Submission(models.Model):
    """A unit's report for one quarter. Approved submissions lock their values."""

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=Quarter.choices)
    status = models.CharField(_("trạng thái"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("ý kiến"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VersionedQuerySet.as_manager()
    data_cells = ("org_unit_id", "year")

    class Meta:
        verbose_name = _("báo cáo quý")
        verbose_name_plural = _("báo cáo quý")
        ordering = ["-year", "-quarter", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "quarter"], name="one_submission_per_unit_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="submission_quarter_1_to_4"),
        ]
        indexes = [models.Index(fields=["year", "quarter", "status"], name="submission_period_idx")]

    def __str__(self):
        return f"{self.org_unit.code} · {self.period.label} · {self.get_status_display()}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.quarter)

    @property
    def is_locked(self) -> bool:
        return self.status == SubmissionStatus.APPROVED


class SubmissionEvent(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=10)
    from_status = models.CharField(max_length=10, choices=SubmissionStatus.choices)
    to_status = models.CharField(max_length=10, choices=SubmissionStatus.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.FORM)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.submission} · {self.action}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Sắp hết hạn")
    OVERDUE = "overdue", _("Quá hạn")


class Reminder(models.Model):
    """One reminder mail to one clerk about one unit's quarter. The log is what stops a second mail
    for the same thing: the command and the reviewers' «Nhắc nhở» both go through indicators.reminders."""

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=Quarter.choices)
    kind = models.CharField(_("loại"), max_length=10, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), on_delete=models.CASCADE, related_name="reminders"
    )
    email = models.EmailField(_("địa chỉ thư"))
    sent_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)
    # None: the send_reminders command (cron); otherwise the reviewer who pressed «Nhắc nhở».
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nhắc"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("thư nhắc")
        verbose_name_plural = _("thư nhắc")
        ordering = ["-sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "quarter", "kind", "recipient"], name="one_reminder_per_kind"),
        ]

    def __str__(self):
        return f"{self.org_unit.code} · {Period(self.year, self.quarter).label} · {self.get_kind_display()} · {self.email}"


class FoldSnapshot(models.Model):
    """A kept national roll-up as pickled by the worker that folded it (`indicators.figure_snapshots`).

    Not an input of any figure: a cache of them, which a fresh process brings up to date from the change
    log instead of folding the nation again. `code` names the code that pickled it; other code ignores it.
    """

    key = models.CharField(max_length=64, unique=True)  # what was folded: kind and parts, hashed
    number = models.BigIntegerField()  # the data version it was folded at: number and moment
    changed_at = models.DateTimeField()
    code = models.CharField(max_length=64)
    data = models.BinaryField()
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bản lưu số liệu tổng hợp")
        verbose_name_plural = _("bản lưu số liệu tổng hợp")

    def __str__(self):
        return f"{self.key[:12]} @ {self.number}"
