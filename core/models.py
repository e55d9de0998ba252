import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class IdempotencyRecord(models.Model):
    """The first response to a create request that carried an Idempotency-Key.

    The unique constraint is what makes a retry safe under concurrency: a second request with the
    same key blocks on the insert until the first commits, then replays its response.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]


class AuditEvent(models.Model):
    """Who changed what, when: scorecard amendments, rubric changes, role changes."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox's model, swapped in with KNOX_TOKEN_MODEL).

    Only the SHA-512 digest of the token is stored, with its first characters (`token_key`) to find
    the row. A sign-in token lives TOKEN_TTL_HOURS; an integration token has a name and the
    lifetime its owner chose. The integer `id` (knox keys rows by digest) is what the API shows
    and deletes by, so the digest never leaves the database.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in"
        INTEGRATION = "integration"

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SIGN_IN)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} token {self.token_key}… of {self.user_id}"


class CalendarFeed(models.Model):
    """A user's private calendar subscription: `GET /api/v1/calendar-feeds/<secret>/calendar.ics`
    serves their own sessions to a calendar client that can only take a URL.

    The secret (`secrets.token_urlsafe(32)`, 256 bits) is shown once; only its SHA-256 digest is
    stored, and the feed is found by that digest, so the database never compares anything the
    caller chose character by character. One feed per user: issuing again replaces the digest,
    which is how the old URL stops working. Kept in core beside the API tokens because it is a
    credential: deactivation and a password change revoke it with them (`user_update`).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"

    @staticmethod
    def digest(secret: str) -> str:
        """The stored form of a secret: SHA-256, hex (the secret has 256 bits of entropy, so a
        fast hash is enough; there is no password to stretch)."""
        return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
