from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """An outreach plan of a year, e.g. Kế hoạch 394/KH-UBND, with yearly targets per indicator."""

    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.CharField(_("số hiệu"), max_length=60, help_text=_("Ví dụ: 394/KH-UBND"))
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    title = models.CharField(_("trích yếu"), max_length=500)
    lead_unit = models.ForeignKey(
        "organizations.OrgUnit", verbose_name=_("đơn vị chủ trì"), on_delete=models.PROTECT, related_name="campaigns_led"
    )
    scope_unit = models.ForeignKey(
        "organizations.OrgUnit",
        verbose_name=_("phạm vi"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("Đơn vị mà chỉ tiêu kế hoạch áp dụng cho (thường là tỉnh)."),
    )

    class Meta:
        verbose_name = _("kế hoạch tuyên truyền")
        verbose_name_plural = _("kế hoạch tuyên truyền")
        ordering = ["-year", "number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="one_campaign_number_per_year")]

    def __str__(self):
        return f"{self.number} ({self.year})"


class Target(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT)
    value = models.DecimalField(_("chỉ tiêu kế hoạch"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("chỉ tiêu kế hoạch")
        verbose_name_plural = _("chỉ tiêu kế hoạch")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "indicator"], name="one_target_per_indicator"),
            models.CheckConstraint(condition=Q(value__gt=0), name="target_positive"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.indicator.code} = {self.value}"


# -- the activity log ----------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    BROADCAST = "broadcast", _("Bản tin, phóng sự phát thanh – truyền hình")
    THEMATIC_EPISODE = "thematic_episode", _("Số chương trình chuyên đề")
    PRESS_ARTICLE = "press_article", _("Bài báo")
    PORTAL_POST = "portal_post", _("Tin, bài trên Cổng thông tin điện tử")
    WEBSITE_POST = "website_post", _("Tin, bài trên trang thông tin điện tử")
    SOCIAL_POST = "social_post", _("Video clip, bài viết trên mạng xã hội")
    LEAFLET_RUN = "leaflet_run", _("Đợt in, phát hành tờ rơi")
    LEGAL_SESSION = "legal_session", _("Buổi tuyên truyền pháp luật")
    TRAINING_CLASS = "training_class", _("Lớp tập huấn")
    RADIO_PROGRAMME = "radio_programme", _("Chương trình truyền thanh cơ sở")


class ActivityTopic(models.TextChoices):
    GENERAL = "general", _("Cải cách hành chính")
    ONLINE_SERVICES = "online_services", _("Dịch vụ công trực tuyến")


class Measure(models.TextChoices):
    COUNT = "count", _("Đếm số hoạt động")
    QUANTITY = "quantity", _("Cộng số lượng")
    PARTICIPANTS = "participants", _("Cộng số người tham dự")


class KindIndicator(models.Model):
    """Which indicator an activity kind feeds, and with what: kept as data so reviewers change it in the admin.

    A rule with a topic applies only to activities of that topic; one without applies to all of the kind.
    """

    kind = models.CharField(_("loại hoạt động"), max_length=20, choices=ActivityKind.choices)
    topic = models.CharField(_("chủ đề"), max_length=20, choices=ActivityTopic.choices, blank=True)
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE)
    measure = models.CharField(_("cách tính"), max_length=12, choices=Measure.choices)

    class Meta:
        verbose_name = _("quy tắc tính chỉ tiêu từ nhật ký")
        verbose_name_plural = _("quy tắc tính chỉ tiêu từ nhật ký")
        ordering = ["kind", "topic", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["kind", "topic", "indicator"], name="one_rule_per_kind_topic_indicator")]

    def __str__(self):
        return f"{self.kind}{'/' + self.topic if self.topic else ''} → {self.indicator.code} ({self.measure})"

    def applies_to(self, activity) -> bool:
        return self.kind == activity.kind and (not self.topic or self.topic == activity.topic)

    def amount(self, activity) -> int:
        if self.measure == Measure.COUNT:
            return 1
        return getattr(activity, self.measure) or 0


class Activity(models.Model):
    """One outreach action of a unit: a broadcast, a print run, a training class…

    `year`/`quarter` is the reporting period whose Decree 09 data window holds `date`; it is derived by
    campaigns.services and stored so that a quarter's log is one indexed query and locks with the quarter.
    """

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    kind = models.CharField(_("loại hoạt động"), max_length=20, choices=ActivityKind.choices)
    topic = models.CharField(_("chủ đề"), max_length=20, choices=ActivityTopic.choices, default=ActivityTopic.GENERAL)
    date = models.DateField(_("ngày"))
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("năm báo cáo"))
    quarter = models.PositiveSmallIntegerField(_("quý báo cáo"))
    title = models.CharField(_("tên, chủ đề"), max_length=300)
    outlet = models.CharField(_("kênh, cơ quan đăng phát"), max_length=200, blank=True)
    place = models.CharField(_("địa điểm"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("số lượng"), null=True, blank=True, help_text=_("Số tờ, số kỳ, số bài…"))
    participants = models.PositiveIntegerField(_("số người tham dự"), null=True, blank=True)
    citizens = models.PositiveIntegerField(_("trong đó người dân"), null=True, blank=True)
    businesses = models.PositiveIntegerField(_("trong đó doanh nghiệp"), null=True, blank=True)
    officials = models.PositiveIntegerField(_("trong đó cán bộ, công chức"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("thuộc kế hoạch"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ghi"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hoạt động tuyên truyền")
        verbose_name_plural = _("nhật ký hoạt động tuyên truyền")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="activity_quarter_1_to_4"),
        ]
        indexes = [models.Index(fields=["org_unit", "year", "quarter"], name="activity_unit_period_idx")]

    def __str__(self):
        return f"{self.org_unit.code} · {self.date:%d/%m/%Y} · {self.title}"

    def as_record(self) -> dict:
        """The activity as JSON for its audit history."""
        return {
            "kind": self.kind,
            "topic": self.topic,
            "date": self.date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "title": self.title,
            "outlet": self.outlet,
            "place": self.place,
            "quantity": self.quantity,
            "participants": self.participants,
            "citizens": self.citizens,
            "businesses": self.businesses,
            "officials": self.officials,
            "campaign": self.campaign_id,
            "url": self.url,
            "note": self.note,
        }


class ActivityChange(models.Model):
    """Audit history of the log, like indicators.ValueChange: one row per create, change or deletion."""

    activity_id_kept = models.BigIntegerField(_("mã hoạt động"), db_index=True)  # kept after a deletion
    org_unit = models.ForeignKey("organizations.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    old = models.JSONField(_("trước"), null=True, blank=True)
    new = models.JSONField(_("sau"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("kênh"), max_length=10)
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lịch sử nhật ký hoạt động")
        verbose_name_plural = _("lịch sử nhật ký hoạt động")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.activity_id_kept} · {self.org_unit_id} · {self.year}/{self.quarter} · {self.channel}"


# -- evidence ------------------------------------------------------------------------------------


def evidence_path(instance, filename: str) -> str:
    # The stored name never comes from the user: unit and a random token, the extension checked by content.
    import secrets

    return f"evidence/{instance.org_unit.code}/{secrets.token_hex(16)}{instance.extension}"


class Evidence(models.Model):
    """A file or a link behind a figure ("tài liệu kiểm chứng"), attached to an activity, a value or a submission.

    `org_unit` decides who may see it (organizations.access); files are stored through Django's storage
    API in a private location and only ever served by campaigns.views.evidence_download.
    """

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    submission = models.ForeignKey("indicators.Submission", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A value's evidence names its cell (the value itself may be cleared and entered again).
    indicator = models.ForeignKey("indicators.Indicator", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    file = models.FileField(_("tệp"), upload_to=evidence_path, blank=True, max_length=300)
    name = models.CharField(_("tên tệp"), max_length=200, blank=True)
    extension = models.CharField(max_length=8, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    description = models.CharField(_("mô tả"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("tài liệu kiểm chứng")
        verbose_name_plural = _("tài liệu kiểm chứng")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="evidence_file_or_link"),
            models.CheckConstraint(
                condition=(Q(activity__isnull=False) & Q(submission__isnull=True) & Q(indicator__isnull=True))
                | (Q(activity__isnull=True) & Q(submission__isnull=False) & Q(indicator__isnull=True))
                | (Q(activity__isnull=True) & Q(submission__isnull=True) & Q(indicator__isnull=False) & Q(year__isnull=False)),
                name="evidence_one_target",
            ),
        ]

    def __str__(self):
        return self.name or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.file)
