"""How an integration authenticates (``Authorization: Bearer pfk_…``) and is rate-limited."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from .integrations import rate_limit_wait, token_authenticate
from .models import IntegrationToken


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``. A missing header leaves the request anonymous (401 from the
    permission); a wrong or revoked token is refused at once (401)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1", errors="replace")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not raw.strip():
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        token = token_authenticate(raw.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is wrong or has been revoked."))
        return token.integration.service_user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="intake"'


class IsIntegration(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, IntegrationToken)


class IntegrationRateThrottle(throttling.BaseThrottle):
    """Requests per minute per integration (its own limit or INTAKE_API_RATE_PER_MINUTE): 429 with
    Retry-After beyond it. Counted in the database, so every web process shares the count."""

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, IntegrationToken):
            return True
        self._wait = rate_limit_wait(token.integration)
        return self._wait is None

    def wait(self):
        return getattr(self, "_wait", None)
