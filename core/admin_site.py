"""The admin site (`admin.site`, made by core.apps.AdminConfig): Django's, with the API's token
rule (API.md, Tokens) on the page where a staff user changes their own password."""

from django.contrib import admin
from django.db import transaction

from core.services import audit_record, user_credentials_revoke


class AdminSite(admin.AdminSite):
    def password_change(self, request, extra_context=None):
        """Django's own-password page; a new password also revokes every token and the calendar
        feed of its user, audited as `user.updated` (the page keeps its own session)."""
        with transaction.atomic():
            response = super().password_change(request, extra_context)
            # Django's view redirects once the new password is saved, else shows the form again.
            if request.method == "POST" and response.status_code == 302:
                changes = {"password": "changed", **user_credentials_revoke(user=request.user)}
                audit_record(
                    actor=request.user, action="user.updated", target=request.user, changes=changes
                )
        return response
