import csv
import secrets
from collections import defaultdict
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import OuterRef, Subquery

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
from reports.demo import activities_2018, reorg, report_2018
from reports.models import Directive, Narrative

DEMO_VALUES = Path(__file__).resolve().parents[2] / "demo" / "demo_values_2018.csv"
DEMO_CATALOGUE_2025 = DEMO_VALUES.parent / "catalogue_2025.csv"
# Ha Tinh until 2024, then the 2025 reorganisation (see README: what the public record confirms).
UNIT_FILES = ["org_units_ha_tinh.csv", "org_units_ha_tinh_2025.csv"]
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
        "Load Ha Tinh's units (the 2018 tree and the 2025 reorganisation), the indicator catalogue, the 2018 demo "
        "values, narrative, directives and campaign, demo values 2024 – Q3/2026, and the demo users. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (default: a random one each, printed).")

    @transaction.atomic
    def handle(self, *args, password=None, **opts):
        # One import of both files (the 2025 one wins on a shared code, e.g. Loc Ha's end date), so a re-run
        # never passes through a tree that breaks the succession rules.
        rows = {r["code"]: r for name in UNIT_FILES for r in _csv(_package_data(organizations, name))}
        units = org_units_import(rows=list(rows.values()))
        # The shipped catalogue, adapted as a province would after 1/7/2025: communes report the districts' flows.
        catalogue = {r["code"]: r for r in _csv(_package_data(indicators, "indicators.csv"))}
        catalogue.update({r["code"]: r for r in _csv(DEMO_CATALOGUE_2025)})
        cat = catalogue_load(groups=_csv(_package_data(indicators, "groups.csv")), indicators=list(catalogue.values()))
        self.stdout.write(
            f"Units: {units['created']} new, {units['updated']} updated. Indicators: {cat['created']} new, {cat['updated']} updated."
        )
        logins = self._users(password)
        province = OrgUnit.objects.get(code="HT")
        self._campaign(province)
        self._activities()  # before the values: their quarters are approved below, and lock the log with them
        self._values(admin=logins["admin"][0])
        self._values_reorg(admin=logins["admin"][0])
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

    def _values_reorg(self, *, admin):
        """2024 – Q3/2026 across the reorganisation (reports.demo.reorg), each unit's quarters approved.

        The quarters are recorded approved in bulk (a submit and an approve event each, dated as if on
        time): thousands of workflow calls would make every test run's seed slow, and these are history.
        """
        import datetime

        from django.utils import timezone

        from indicators.models import SubmissionEvent

        have = set(
            DataValue.objects.filter(year__in=reorg.YEARS).values_list("org_unit__code", "indicator__code", "year", "quarter")
        )
        rows = [r for r in reorg.rows(reorg.read_base(DEMO_VALUES)) if (r.org_unit, r.indicator, r.year, r.quarter) not in have]
        result = values_save(rows=rows, by=None, channel=Channel.COMMAND)
        self.stdout.write(f"2024–2026 values: {result.created} new, {len(have)} already there.")
        reviewer = get_user_model().objects.get(username="reviewer")
        S = SubmissionStatus
        # The save opens a draft submission for each quarter it writes (the row lock); a demo quarter is one
        # whose submission has no step yet. Re-runs find every quarter already approved.
        with_steps = set(SubmissionEvent.objects.filter(submission__year__in=reorg.YEARS).values_list("submission_id", flat=True))
        existing = {(s.org_unit_id, s.year, s.quarter): s for s in Submission.objects.filter(year__in=reorg.YEARS)}
        cells = set(DataValue.objects.filter(year__in=reorg.YEARS).values_list("org_unit_id", "year", "quarter").distinct())
        to_create, to_update = [], []
        for unit_id, year, quarter in sorted(cells):
            sub = existing.get((unit_id, year, quarter))
            if sub is not None and (sub.pk in with_steps or sub.status != S.DRAFT):
                continue
            if sub is None:
                sub = Submission(org_unit_id=unit_id, year=year, quarter=quarter)
                to_create.append(sub)
            else:
                to_update.append(sub)
            submitted = timezone.make_aware(
                datetime.datetime.combine(sub.period.window_end + datetime.timedelta(days=3), datetime.time(9))
            )
            sub.status, sub.submitted_at, sub.submitted_by = S.APPROVED, submitted, admin
            sub.reviewed_at, sub.reviewed_by = submitted + datetime.timedelta(days=2), reviewer
        Submission.objects.bulk_create(to_create, batch_size=1000)
        # One UPDATE per quarter (its dates are the quarter's): bulk_update's CASE per row is slow at this size.
        by_quarter = defaultdict(list)
        for sub in to_update:
            by_quarter[(sub.submitted_at, sub.reviewed_at)].append(sub.pk)
        for (submitted, reviewed), pks in by_quarter.items():
            Submission.objects.filter(pk__in=pks).update(
                status=S.APPROVED, submitted_at=submitted, submitted_by=admin, reviewed_at=reviewed, reviewed_by=reviewer
            )
        saved = [sub.pk for sub in to_create + to_update]
        steps = [
            ("submit", S.DRAFT, S.SUBMITTED, admin, "submitted_at"),
            ("approve", S.SUBMITTED, S.APPROVED, reviewer, "reviewed_at"),
        ]
        SubmissionEvent.objects.bulk_create(
            [
                SubmissionEvent(submission_id=pk, action=a, from_status=f, to_status=t, by=by, channel=Channel.COMMAND)
                for pk in saved
                for a, f, t, by, _when in steps
            ],
            batch_size=1000,
        )
        # auto_now_add dated the events today: date each as its submission says.
        for action, _f, _t, _by, when in steps:
            SubmissionEvent.objects.filter(submission_id__in=saved, action=action).update(
                at=Subquery(Submission.objects.filter(pk=OuterRef("submission_id")).values(when)[:1])
            )
        self.stdout.write(f"2024–2026 quarters approved: {len(saved)} new.")

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
