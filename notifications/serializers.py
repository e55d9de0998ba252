import datetime as dt

from django.conf import settings
from rest_framework import serializers

from interviews.models import InterviewSession


class PendingFeedbackJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class PendingFeedbackOutputSerializer(serializers.Serializer):
    """A session awaiting the caller's scorecard. `due_at`: when the first reminder goes;
    `overdue_at`: when the job's hiring managers are told; `scorecard`: the caller's draft."""

    session = serializers.IntegerField(source="id")
    loop = serializers.IntegerField(source="loop_id")
    job = PendingFeedbackJobOutputSerializer(source="loop.template.job")
    order = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    ended_at = serializers.DateTimeField()
    due_at = serializers.SerializerMethodField()
    overdue_at = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    scorecard = serializers.IntegerField(source="scorecard_id", allow_null=True)
    reminders_sent = serializers.IntegerField()

    def get_due_at(self, session: InterviewSession) -> dt.datetime:
        hours = settings.FEEDBACK_REMINDER_AFTER_HOURS
        return serializers.DateTimeField().to_representation(
            session.ended_at + dt.timedelta(hours=hours)
        )

    def _overdue_at(self, session: InterviewSession) -> dt.datetime:
        return session.ended_at + dt.timedelta(hours=settings.FEEDBACK_OVERDUE_AFTER_HOURS)

    def get_overdue_at(self, session: InterviewSession) -> dt.datetime:
        return serializers.DateTimeField().to_representation(self._overdue_at(session))

    def get_overdue(self, session: InterviewSession) -> bool:
        return self.context["now"] >= self._overdue_at(session)
