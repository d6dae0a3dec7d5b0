from django.db import models
from django.db.models import Q
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
