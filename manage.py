#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, which check the environment
    except ImproperlyConfigured as exc:
        # Django would go on and fail later with "Apps aren't loaded yet", hiding the cause.
        sys.exit(
            f"{exc}. On a laptop: DEBUG=1 .venv/bin/python manage.py ... (make run sets it); "
            "in production: every variable of .env.example."
        )

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
