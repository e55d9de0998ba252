from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Feedback reminders and overdue notices by e-mail, and the pending-feedback list
    (API.md additions, Notifications and integrations).

    It sits on top: it reads sessions (interviews) and scorecards (scoring); nothing imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
