import csv
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

import campaigns
import indicators
import organizations
from campaigns.models import Activity, Campaign, Target
from campaigns.services import ActivityRow, activities_save, evidence_attach, kind_rules_load
from indicators import workflow
from indicators.models import Channel, DataValue, Indicator, Submission, SubmissionStatus
from indicators.services import ValueRow, catalogue_load, values_save
from organizations.models import Membership, OrgUnit, Role
from organizations.services import org_units_import
from reports.demo import activities_2018, report_2018
from reports.models import Directive, Narrative

DEMO_VALUES = Path(__file__).resolve().parents[2] / "demo" / "demo_values_2018.csv"
DEMO_USERS = [
    # username, full name, unit, role, superuser
    ("admin", "Quản trị hệ thống", None, None, True),
    ("reviewer", "Cán bộ thẩm định Sở TTTT", "HT", Role.REVIEWER, False),
    ("leader", "Lãnh đạo UBND tỉnh", "HT", Role.LEADER, False),
    ("canloc", "Cán bộ Văn phòng UBND huyện Can Lộc", "HT-443", Role.CLERK, False),
    ("stttt", "Cán bộ Sở Thông tin và Truyền thông", "HT-STTTT", Role.CLERK, False),
]


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [dict(r, __line__=n) for n, r in enumerate(csv.DictReader(f), start=2)]


def _package_data(module, name: str) -> Path:
    return Path(module.__file__).resolve().parent / "data" / name


class Command(BaseCommand):
    help = (
        "Load Ha Tinh's units, the indicator catalogue, the 2018 demo values, narrative, "
        "directives and campaign, and the demo users. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (default: a random one each, printed).")

    @transaction.atomic
    def handle(self, *args, password=None, **opts):
        units = org_units_import(rows=_csv(_package_data(organizations, "org_units_ha_tinh.csv")))
        cat = catalogue_load(
            groups=_csv(_package_data(indicators, "groups.csv")),
            indicators=_csv(_package_data(indicators, "indicators.csv")),
        )
        self.stdout.write(
            f"Units: {units['created']} new, {units['updated']} updated. Indicators: {cat['created']} new, {cat['updated']} updated."
        )
        logins = self._users(password)
        province = OrgUnit.objects.get(code="HT")
        self._campaign(province)
        self._activities()  # before the values: their quarters are approved below, and lock the log with them
        self._values(admin=logins["admin"][0])
        self._narrative(province)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for username, (_user, pw, where) in logins.items():
            self.stdout.write(f"  {username:<9} {pw or '(password unchanged)':<24} {where}")

    def _users(self, password):
        User = get_user_model()
        out = {}
        for username, full_name, unit_code, role, superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            first, _sep, last = full_name.rpartition(" ")
            user.first_name, user.last_name = first, last
            # A reserved domain (RFC 2606): password reset and reminders work, nothing leaves the machine.
            user.email = user.email or f"{username}@demo.invalid"
            user.is_superuser = superuser
            # Reviewers keep the catalogue, campaigns and narrative in the admin.
            user.is_staff = superuser or role == Role.REVIEWER
            pw = password if password else (secrets.token_urlsafe(9) if created else None)
            if pw:
                user.set_password(pw)
            user.save()
            where = "superuser"
            if unit_code:
                unit = OrgUnit.objects.get(code=unit_code)
                Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
                where = f"{role.label} · {unit.code} {unit.name_vi}"
            if role == Role.REVIEWER:
                user.groups.add(self._reviewer_group())
            out[username] = (user, pw, where)
        return out

    def _reviewer_group(self):
        from django.contrib.auth.models import Group, Permission

        group, _created = Group.objects.get_or_create(name="Cán bộ thẩm định")
        models = [
            "indicator",
            "indicatorgroup",
            "campaign",
            "target",
            "kindindicator",
            "narrative",
            "directive",
            "orgunit",
            "membership",
        ]
        group.permissions.set(
            Permission.objects.filter(content_type__model__in=models).exclude(codename__startswith="delete_")
            | Permission.objects.filter(
                codename__in=["view_datavalue", "view_valuechange", "view_submission", "view_activity", "view_evidence"]
            )
        )
        return group

    def _values(self, *, admin):
        """2018 values, then each unit's four quarters submitted and approved (history kept as for real ones)."""
        have = set(DataValue.objects.filter(year=2018).values_list("org_unit__code", "indicator__code", "year", "quarter"))
        rows = [
            ValueRow.from_mapping(r, row=r["__line__"])
            for r in _csv(DEMO_VALUES)
            if (r["org_unit"], r["indicator"], int(r["year"]), int(r["quarter"])) not in have
        ]
        result = values_save(rows=rows, by=None, channel=Channel.COMMAND)
        self.stdout.write(f"2018 values: {result.created} new, {len(have)} already there.")
        reviewer = get_user_model().objects.get(username="reviewer")
        approved = set(
            Submission.objects.filter(year=2018, status=SubmissionStatus.APPROVED).values_list("org_unit_id", "quarter")
        )
        cells = DataValue.objects.filter(year=2018).values_list("org_unit_id", "quarter").distinct()
        units = {u.pk: u for u in OrgUnit.objects.all()}
        for unit_id, quarter in sorted(set(cells) - approved):
            unit = units[unit_id]
            sub = workflow.submission_for(org_unit=unit, year=2018, quarter=quarter)
            if sub.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED):
                sub = workflow.submission_submit(org_unit=unit, year=2018, quarter=quarter, by=admin, channel=Channel.COMMAND)
            sub = workflow.submission_approve(submission=sub, by=reviewer, channel=Channel.COMMAND)
            self._backdate(sub)

    @staticmethod
    def _backdate(sub):
        """The demo's 2018 reports went in on time: date their steps as they would have been."""
        import datetime

        from django.utils import timezone

        from indicators.models import SubmissionEvent

        submitted = timezone.make_aware(
            datetime.datetime.combine(sub.period.window_end + datetime.timedelta(days=3), datetime.time(9))
        )
        reviewed = submitted + datetime.timedelta(days=2)
        Submission.objects.filter(pk=sub.pk).update(submitted_at=submitted, reviewed_at=reviewed)
        SubmissionEvent.objects.filter(submission=sub, action="submit").update(at=submitted)
        SubmissionEvent.objects.filter(submission=sub, action="approve").update(at=reviewed)

    def _activities(self):
        """The kind→indicator rules and the 2018 activity log (skipping activities already there), one scan attached."""
        rules = kind_rules_load(rows=_csv(_package_data(campaigns, "kind_rules.csv")))
        have = set(Activity.objects.filter(year__in=[2018]).values_list("org_unit__code", "kind", "date", "title"))
        rows = [
            ActivityRow.from_mapping(r, row=n)
            for n, r in enumerate(activities_2018.rows(), start=1)
            if (r["org_unit"], r["kind"], r["date"], r["title"]) not in have
        ]
        saved = activities_save(rows=rows, by=None, channel=Channel.COMMAND)
        self.stdout.write(f"Activity rules: {rules} new. 2018 activities: {len(saved)} new, {len(have)} already there.")
        first = next((a for a in saved if a.kind == "training_class" and a.org_unit.code == "HT-STTTT"), None)
        if first is not None:
            evidence_attach(by=None, activity=first, name="danh-sach-hoc-vien.pdf", data=activities_2018.scan_pdf(first.title))

    def _narrative(self, province):
        Narrative.objects.update_or_create(org_unit=province, year=2018, defaults=report_2018.NARRATIVE)
        for order, (kind, number, issued_on, issuer, title) in enumerate(report_2018.DIRECTIVES, start=1):
            # A numbered document is found by its number; a bullet without one by its words.
            key = {"number": number} if number else {"number": "", "title": title}
            Directive.objects.update_or_create(
                org_unit=province,
                year=2018,
                **key,
                defaults={"kind": kind, "issued_on": issued_on, "issuer": issuer, "title": title, "order": order, "part": "B"},
            )

    def _campaign(self, province):
        c = report_2018.CAMPAIGN
        campaign, _created = Campaign.objects.update_or_create(
            year=2018,
            number=c["number"],
            defaults={
                "issued_on": c["issued_on"],
                "issuer": c["issuer"],
                "title": c["title"],
                "lead_unit": OrgUnit.objects.get(code="HT-STTTT"),
                "scope_unit": province,
            },
        )
        for code, value in c["targets"].items():
            Target.objects.update_or_create(
                campaign=campaign, indicator=Indicator.objects.get(code=code), defaults={"value": value}
            )
