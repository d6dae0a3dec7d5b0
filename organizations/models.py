import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organizations.data_version import VersionedQuerySet

# Codes appear in URLs, files and the materialised path: keep them plain.
unit_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", _("Mã đơn vị chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới.")
)


class UnitKind(models.TextChoices):
    COUNTRY = "country", _("Toàn quốc")
    PROVINCE = "province", _("Tỉnh")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    CENTRAL_AGENCY = "central_agency", _("Cơ quan Trung ương trên địa bàn")
    PRESS = "press", _("Cơ quan báo chí")
    DISTRICT = "district", _("Huyện, thị xã, thành phố")
    COMMUNE = "commune", _("Xã, phường, thị trấn")


class Role(models.TextChoices):
    CLERK = "clerk", _("Cán bộ nhập liệu")
    REVIEWER = "reviewer", _("Cán bộ thẩm định")
    LEADER = "leader", _("Lãnh đạo")


class OrgUnitQuerySet(VersionedQuerySet):
    def subtree_of(self, unit: "OrgUnit"):
        """The unit and every unit below it (one indexed prefix query)."""
        return self.filter(path__startswith=unit.path)

    def active_on(self, day: datetime.date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def active_between(self, start: datetime.date, end: datetime.date):
        """Units open for at least one day of [start, end]."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        )

    def visible_to(self, user):
        """Units a user may read: their units, and the subtrees of units they review or lead."""
        from organizations.access import visible_units_q

        return self.filter(visible_units_q(user))


class OrgUnit(models.Model):
    code = models.CharField(_("mã"), max_length=40, unique=True, validators=[unit_code_validator])
    name_vi = models.CharField(_("tên tiếng Việt"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("đơn vị cấp trên"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    # Short name used in document numbers ("Số: …/BC-STTTT", Decree 30/2020).
    abbreviation = models.CharField(_("tên viết tắt"), max_length=40, blank=True)
    # The units this one succeeded (a merger into a new unit, or a unit that absorbed another);
    # a predecessor passes to its successor the day after its valid_to.
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("đơn vị tiền thân"), symmetrical=False, blank=True, related_name="successors"
    )
    # "/HT/HT-443/HT-443-01/": kept by organizations.services so that a subtree is one prefix query.
    path = models.CharField(max_length=1000, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = OrgUnitQuerySet.as_manager()
    # What figures read of a unit (organizations.data_version): a save that changes none of these, a rename,
    # keeps every computed figure. The successions (predecessors) are figures' inputs too, logged apart.
    figure_fields = ("code", "kind", "parent", "valid_from", "valid_to", "path", "depth")
    # Its writes change the tree itself (organizations.data_version): logged as such, so that a kept roll-up
    # compares its tree with the new one and refolds only the units that moved, rather than everything.
    data_tree = True

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            )
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    def is_open_between(self, start: datetime.date, end: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= end) and (self.valid_to is None or self.valid_to >= start)

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [models.UniqueConstraint(fields=["user", "org_unit", "role"], name="one_role_per_user_unit")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org_unit.code}"


class UserPreference(models.Model):
    """What a user chose for themselves; today the interface language, remembered across devices."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(_("ngôn ngữ giao diện"), max_length=10, choices=settings.LANGUAGES, default="vi")

    class Meta:
        verbose_name = _("tùy chọn người dùng")
        verbose_name_plural = _("tùy chọn người dùng")

    def __str__(self):
        return f"{self.user} · {self.language}"


class DataVersion(models.Model):
    """One row: the version of everything figures are made of (`organizations.data_version`)."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("phiên bản dữ liệu")
        verbose_name_plural = _("phiên bản dữ liệu")

    def __str__(self):
        return f"{self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class DataChange(models.Model):
    """What one committed write changed: its (unit id, year) cells, [] for names only, or null for "anything" (`data_version`);
    `tree`: the unit tree or its successions changed too (which units, a reader finds by comparing trees)."""

    number = models.BigIntegerField(unique=True)
    cells = models.JSONField(null=True)
    tree = models.BooleanField(default=False)
    # The moment the version took this number, as `DataVersion.changed_at` says it: a reader that kept figures of
    # number N checks that the log's N is its N (a database restored under it counts its numbers again).
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("thay đổi dữ liệu")
        verbose_name_plural = _("thay đổi dữ liệu")

    def __str__(self):
        return str(self.number)
