from .roles import Role


def role_context(request) -> dict:
    """Which role-specific menus the layout shows. Permissions are still checked by every view."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"Role": Role, "user_roles": user.roles}
