"""API-side composition of organizations.access (no rule of its own)."""

from organizations.access import can_enter_any


def may_write_values(user) -> bool:
    """Whether a user could write some unit's values at all: clerks (and superusers).

    Leaders and reviewers are read-only for values: their POST is a 403 before
    their rows are even read. Which units a clerk may write is decided per row
    by `access.can_enter`, inside `values_save`.
    """
    return can_enter_any(user)
