"""What was (or is being) sent about feedback: one row per e-mail, claimed before it is sent.

docs/RELIABILITY.md "Feedback reminders" describes the claim; `notifications/services.py` holds
the state machine.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FeedbackNotice(models.Model):
    """One e-mail about feedback: reminder number `sequence` to an interviewer whose scorecard
    for `session` is not submitted, or the overdue notice to one of the job's hiring managers.

    The unique constraint on (session, recipient, kind, sequence) is what makes each e-mail
    exist once, whoever inserts it first; `status`, `attempts` and `claimed_until` say who may
    send it now (a conditional UPDATE claims it for one attempt until `claimed_until`).
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder"
        OVERDUE = "overdue"

    class Status(models.TextChoices):
        PENDING = "pending"  # to send (claimed by an attempt while claimed_until is ahead)
        SENT = "sent"
        WITHDRAWN = "withdrawn"  # the feedback came in (or the loop closed) before it was sent
        FAILED = "failed"  # the mail server refused it MAX_SEND_ATTEMPTS times

    session = models.ForeignKey(
        "interviews.InterviewSession", on_delete=models.CASCADE, related_name="feedback_notices"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "recipient", "kind", "sequence"], name="feedback_notice_once"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="feedback_notice_sequence_from_1"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="feedback_notice_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sender's scan: pending notices whose claim is free or has expired.
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="pending"),
                name="feedback_notice_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sequence} about session {self.session_id} to {self.recipient_id}"


class OverdueSession(models.Model):
    """A session whose feedback went overdue: written once, in the transaction that emits the
    `feedback.overdue` webhook and inserts the hiring managers' notices, so each happens once."""

    session = models.OneToOneField(
        "interviews.InterviewSession",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feedback_overdue",
    )
    detected_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Feedback overdue in session {self.session_id}"
