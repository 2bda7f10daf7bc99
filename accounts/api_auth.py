"""HTTP Basic authentication for the API with the same brakes as the login form (accounts.brakes): an address
past its failure budget answers 429, a locked account 403 with the reason, a wrong password 401. A correct
password is never braked; each failure counts for the address and (through axes) for the account."""

from drf_spectacular.authentication import BasicScheme
from rest_framework import authentication, exceptions

from . import brakes


class BrakedBasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        http_request = getattr(request, "_request", request)
        if brakes.address_blocked(http_request):
            raise exceptions.Throttled(detail=str(brakes.ADDRESS_MESSAGE))
        if brakes.account_locked(http_request, userid):
            raise exceptions.PermissionDenied(detail=str(brakes.LOCKED_MESSAGE))
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            brakes.note_failure(http_request)
            if brakes.account_locked(http_request, userid):
                raise exceptions.PermissionDenied(detail=str(brakes.LOCKED_MESSAGE)) from None
            raise


class BrakedBasicScheme(BasicScheme):
    """The published schema names it as what it is: HTTP Basic."""

    target_class = "accounts.api_auth.BrakedBasicAuthentication"
