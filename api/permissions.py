"""API-side composition of organizations.access (no rule of its own)."""

from organizations.access import roles_of
from organizations.models import Role


def may_write_values(user) -> bool:
    """Whether a user could write some unit's values at all: clerks (and superusers).

    Leaders and reviewers are read-only for values: their POST is a 403 before
    their rows are even read. Which units a clerk may write is decided per row
    by `access.can_enter`, inside `values_save`.
    """
    return user.is_authenticated and (user.is_superuser or Role.CLERK in roles_of(user))
