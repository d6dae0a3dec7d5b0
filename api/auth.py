"""Token authentication: knox stores only a digest of each token and honours its expiry.

The token, its user and the user's memberships come back in one query: every API
call needs all three (who asks, then which units they may read), and two round
trips were a third of a small page's time.
"""

from functools import cache
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from organizations.access import remember_memberships
from organizations.models import Membership, OrgUnit


class _TokenLookup:
    """The token, its user, and one row per membership of the user with its unit, as fixed SQL.

    Written once per database rather than compiled by the ORM on every call (compiling a
    four-table join cost more than running it). Each column keeps the converters the ORM
    would apply, so the models built from a row are the ones a queryset would give.
    """

    def __init__(self, alias: str):
        connection = connections[alias]
        qn = connection.ops.quote_name
        token, user = get_token_model(), get_user_model()
        # (model, table alias, its fields); the membership's user_id is the user's id.
        self.parts = [
            (token, "t", token._meta.concrete_fields),
            (user, "u", user._meta.concrete_fields),
            (Membership, "m", [Membership._meta.pk, Membership._meta.get_field("org_unit"), Membership._meta.get_field("role")]),
            (OrgUnit, "o", OrgUnit._meta.concrete_fields),
        ]
        columns, self.converters = [], []
        for model, t, fields in self.parts:
            for f in fields:
                columns.append(f"{t}.{qn(f.column)}")
                col = f.get_col(model._meta.db_table)
                self.converters.append(connection.ops.get_db_converters(col) + col.get_db_converters(connection))

        def table(model, t):
            return f"{qn(model._meta.db_table)} {t}"

        def column(model, t, name):
            return f"{t}.{qn(model._meta.get_field(name).column)}"

        self.sql = (
            f"SELECT {', '.join(columns)} FROM {table(token, 't')}"
            f" INNER JOIN {table(user, 'u')} ON {column(user, 'u', user._meta.pk.name)} = {column(token, 't', 'user')}"
            f" LEFT OUTER JOIN {table(Membership, 'm')} ON {column(Membership, 'm', 'user')} = {column(user, 'u', user._meta.pk.name)}"
            f" LEFT OUTER JOIN {table(OrgUnit, 'o')} ON {column(OrgUnit, 'o', 'id')} = {column(Membership, 'm', 'org_unit')}"
            f" WHERE {column(token, 't', 'token_key')} = %s"
        )
        self.alias = alias
        self.attnames = [[f.attname for f in fields] for _m, _t, fields in self.parts]

    def __call__(self, token_key: str) -> dict[str, tuple]:
        """digest → (token with its user, the user's memberships with their units)."""
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [token_key])
            rows = cursor.fetchall()
        found: dict[str, tuple] = {}
        for raw in rows:
            row = []
            for value, converters in zip(raw, self.converters, strict=True):
                for convert in converters:
                    value = convert(value, None, connection)
                row.append(value)
            values, at = [], 0
            for names in self.attnames:
                values.append(row[at : at + len(names)])
                at += len(names)
            token_values, user_values, membership_values, unit_values = values
            key = token_values[self.attnames[0].index("digest")]
            if key not in found:
                token = self.parts[0][0].from_db(self.alias, self.attnames[0], token_values)
                token.user = self.parts[1][0].from_db(self.alias, self.attnames[1], user_values)
                found[key] = (token, [])
            token, memberships = found[key]
            if membership_values[0] is not None:
                m_id, unit_id, role = membership_values
                m = Membership.from_db(self.alias, ["id", "user_id", "org_unit_id", "role"], [m_id, token.user.pk, unit_id, role])
                m.org_unit = OrgUnit.from_db(self.alias, self.attnames[3], unit_values)
                memberships.append(m)
        return found


@cache
def _lookup(alias: str) -> _TokenLookup:
    return _TokenLookup(alias)


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>`, as DESIGN.md promises to integrators.

    Knox's check, in one query instead of three: knox also scans every other token
    of the user on every request to delete the expired ones (housekeeping only: an
    expired token is refused, and deleted, whenever it is presented), and the
    memberships would be a query of their own.
    """

    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        try:
            digest = hash_token(token)
        except (TypeError, ValueError):
            raise exceptions.AuthenticationFailed(msg) from None
        found = _lookup(router.db_for_read(get_token_model()))(token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for token_digest, (auth_token, memberships) in found.items():
            if self._cleanup_token(auth_token):
                continue
            if compare_digest(digest, token_digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                user, auth_token = self.validate_user(auth_token)
                remember_memberships(user, memberships)
                return user, auth_token
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False
