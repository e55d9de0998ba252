from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction

from core.models import AuditEvent
from core.services import audit_record, user_credentials_revoke


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_type", "target_id")
    list_filter = ("action", "target_type")
    readonly_fields = ("created_at", "actor", "action", "target_type", "target_id", "changes")

    # The trail is kept forever (docs/PRIVACY.md) and written by the services only (erasure
    # rewrites its values there): on the site it is read, never added to, changed or deleted,
    # whatever model permissions a staff user holds, so nobody removes the record of an act.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Groups are the roles; their permissions are a superuser's to set (a staff user who could
    set them would grant himself any permission through a role he holds)."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + ("permissions",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user pages with the API's rule (API.md, Tokens): a password set here or a
    deactivation revokes every token and the calendar feed of the user, audited as
    `user.updated` like `PATCH /users/{id}/`, and its rule that only a superuser changes a
    superuser or grants the admin role: for anyone else a superuser's pages are read-only (403 on
    a change, a password or a delete), and `is_staff`, `is_superuser` and `user_permissions` are
    read-only on every user (before, a staff user with `auth.change_user` could tick
    `is_superuser` on his own page)."""

    # Fields that grant power beyond the roles (groups) an admin manages.
    ESCALATING_FIELDS = ("is_staff", "is_superuser", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return fields + tuple(f for f in self.ESCALATING_FIELDS if f not in fields)

    def _touches_a_superuser(self, request, obj) -> bool:
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        # Django's password page asks this too, so a superuser's password is refused with it.
        if self._touches_a_superuser(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self._touches_a_superuser(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            changes = {"is_active": [True, False], **user_credentials_revoke(user=obj)}
            audit_record(actor=request.user, action="user.updated", target=obj, changes=changes)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # Django's view redirects once the new password is saved, else shows the form again.
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                changes = {"password": "changed", **user_credentials_revoke(user=user)}
                audit_record(
                    actor=request.user, action="user.updated", target=user, changes=changes
                )
        return response
