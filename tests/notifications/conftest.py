from collections.abc import Iterator

import pytest

from tests.notifications.smtp import RunningSmtpServer, SmtpServer


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A real SMTP server, and Django's SMTP backend pointed at it."""
    with RunningSmtpServer(SmtpServer()) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_TIMEOUT = 5
        settings.EMAIL_USE_TLS = False
        settings.DEFAULT_FROM_EMAIL = "loops@interviews.example"
        yield server
