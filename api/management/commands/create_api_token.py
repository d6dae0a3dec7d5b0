"""`python manage.py create_api_token USERNAME [--days N]`: a token for a program acting as USERNAME.

Only a digest of the token is stored (django-rest-knox), so it is shown once,
on the last line of the output, for the caller to keep in the program's secrets.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from organizations.access import roles_of


class Command(BaseCommand):
    help = "Create an API token (Authorization: Token <key>) for a user; the token is printed on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=365, help="Days until the token expires (default 365).")

    def handle(self, *args, username, days, **opts):
        if days < 1 or days > 3650:
            raise CommandError("--days must be between 1 and 3650.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
        roles = ", ".join(sorted(roles_of(user))) or "no role: the token will see nothing"
        self.stderr.write(
            f"Token for {username} ({roles}), expires {instance.expiry:%Y-%m-%d %H:%M %Z}. Store it now; it is not shown again."
        )
        self.stdout.write(token)
