from organizations.access import can_read_reports, roles_of


def user_roles(request):
    """Lets the base template show only the menu entries a user can open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    return {
        "user_roles": roles,
        "can_read_reports": can_read_reports(user),
        "is_clerk": "clerk" in roles or user.is_superuser,
        "is_reviewer": "reviewer" in roles,
    }
