from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Identity, errors and operations"

    def ready(self) -> None:
        from core import strict_fields

        strict_fields.install()
