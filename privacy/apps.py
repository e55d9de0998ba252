from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Candidate data protection: export, erasure, retention (docs/PRIVACY.md).

    It sits above `scoring`, the highest app holding text about a candidate, because erasure
    reaches every app's rows (ARCHITECTURE.md: a feature that needs data from a higher app
    belongs in that higher app). It has no models of its own.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
