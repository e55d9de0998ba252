"""Token authentication: django-rest-knox's hashed, expiring tokens (core.models.ApiToken)."""

from __future__ import annotations

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <token>`. An expired token is deleted and refused (401)."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            # knox decodes without catching this: a header of Latin-1 bytes is a 401, not a 500.
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        # knox also scans and deletes the user's other expired tokens on every request: one more
        # query per call. Expired sign-in tokens are swept at the next sign-in instead
        # (core.services.token_create), so a request costs one query, as DRF's tokens did.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
