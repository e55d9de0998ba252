from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Identity, errors and operations"

    def ready(self) -> None:
        from core import schema, strict_fields  # noqa: F401 (schema registers the token scheme)

        strict_fields.install()
