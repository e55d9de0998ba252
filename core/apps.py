from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Identity, errors and operations"

    def ready(self) -> None:
        from core import schema  # noqa: F401 (registers the token scheme with drf-spectacular)
