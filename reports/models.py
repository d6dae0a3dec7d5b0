from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Part(models.TextChoices):
    A = "A", _("A. Tuyên truyền cải cách hành chính")
    B = "B", _("B. Hiện đại hóa hành chính")


class Narrative(models.Model):
    """The words of a year's report for a unit (usually the province).

    Paragraph fields hold one paragraph per line. `{{ indicator_code }}`
    placeholders are replaced by the figure when the report is rendered —
    plain substitution, never template code.
    """

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    issuer = models.CharField(_("cơ quan báo cáo"), max_length=200, blank=True)
    document_number = models.CharField(_("số văn bản"), max_length=60, blank=True)
    place = models.CharField(_("địa danh"), max_length=100, blank=True)
    issued_on = models.DateField(_("ngày báo cáo"), null=True, blank=True)
    intro_a = models.TextField(_("mở đầu phần A"), blank=True)
    results_a = models.TextField(_("bổ sung kết quả phần A"), blank=True)
    strengths_a = models.TextField(_("ưu điểm phần A"), blank=True)
    limitations_a = models.TextField(_("tồn tại, hạn chế phần A"), blank=True)
    recommendations_a = models.TextField(_("kiến nghị, đề xuất phần A"), blank=True)
    intro_b = models.TextField(_("mở đầu phần B"), blank=True)
    results_b = models.TextField(_("bổ sung kết quả phần B"), blank=True)
    strengths_b = models.TextField(_("ưu điểm phần B"), blank=True)
    limitations_b = models.TextField(_("tồn tại, hạn chế phần B"), blank=True)
    recommendations_b = models.TextField(_("kiến nghị, đề xuất phần B"), blank=True)
    signer_title = models.CharField(_("chức danh người ký"), max_length=200, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    published = models.BooleanField(_("đã phát hành"), default=False)
    published_at = models.DateTimeField(_("phát hành lúc"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phát hành"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Why the report went out before every unit's quarters were approved (printed on the report).
    publish_reason = models.TextField(_("lý do phát hành khi chưa đủ báo cáo"), blank=True, editable=False)
    # The figures as published (report_document's "figures"): later corrections show as changes.
    published_figures = models.JSONField(_("số liệu khi phát hành"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("nội dung báo cáo năm")
        verbose_name_plural = _("nội dung báo cáo năm")
        constraints = [models.UniqueConstraint(fields=["org_unit", "year"], name="one_narrative_per_unit_year")]

    def __str__(self):
        return f"{self.org_unit.code} · {self.year}"


class Directive(models.Model):
    """A directive document of the year, listed under part B's 'chỉ đạo, điều hành'."""

    org_unit = models.ForeignKey("organizations.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    part = models.CharField(_("phần"), max_length=1, choices=Part.choices, default=Part.B)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    number = models.CharField(_("số, ký hiệu"), max_length=80, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)
    kind = models.CharField(_("loại văn bản"), max_length=60, blank=True)
    title = models.TextField(_("trích yếu"))

    class Meta:
        verbose_name = _("văn bản chỉ đạo")
        verbose_name_plural = _("văn bản chỉ đạo")
        ordering = ["year", "part", "order", "id"]

    def __str__(self):
        return f"{self.kind} {self.number}".strip() or self.title[:60]
