"""django.contrib.admin with core's site (core/admin_site.py) as `admin.site`: INSTALLED_APPS
names `core.admin_apps.AdminConfig` in its place (a module apart from core.apps, where a second
AppConfig would make Django ask which one is core's)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_site.AdminSite"
