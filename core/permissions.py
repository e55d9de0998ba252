"""Permission classes for the table in API.md. Admins (staff) may do everything."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.models import ApiToken
from core.roles import Role, has_role, is_admin


class RolePermission(BasePermission):
    """Reads need one of the view's `read_roles` (None: any signed-in user); writes need one of
    its `write_roles` (empty: admins only)."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            roles = getattr(view, "read_roles", None)
            return True if roles is None else has_role(request.user, *roles)
        return has_role(request.user, *getattr(view, "write_roles", ()))


class IsAdmin(BasePermission):
    message = "Only administrators may manage users and roles."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


def role_names(*roles: Role) -> str:
    return ", ".join(role.value for role in roles)


class NewCredentialsNeedASignIn(BasePermission):
    """A POST that makes a new credential (an integration token, a calendar feed URL) is refused
    to a request authenticated by an integration token: such a token lives as long as its owner
    chose (1..365 days), and one it minted (up to 365 days; a feed URL, until revoked) would
    outlive it. A sign-in token or the browsable API's session may. Reads and deletes pass."""

    message = (
        "An integration token cannot make new tokens or calendar feed URLs: sign in with your "
        "password (POST /api/v1/auth/token/) and send this request with that token."
    )

    def has_permission(self, request, view) -> bool:
        if request.method != "POST":
            return True
        auth = request.auth
        return not (isinstance(auth, ApiToken) and auth.kind == ApiToken.Kind.INTEGRATION)
