"""The caller's sessions awaiting their scorecard (API.md additions, Notifications)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from interviews.models import InterviewSession
from notifications import selectors
from notifications.serializers import PendingFeedbackOutputSerializer


class PendingFeedbackListApi(generics.GenericAPIView):
    """Sessions that ended, in loops still open (scheduled, undecided), where the caller sits
    and has no submitted scorecard; oldest first. Only ever the caller's own seats, whatever
    their roles."""

    permission_classes = [IsAuthenticated]
    serializer_class = PendingFeedbackOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InterviewSession.objects.none()
        return selectors.pending_feedback_list(user=self.request.user, now=self.now)

    @extend_schema(responses={200: PendingFeedbackOutputSerializer(many=True)})
    def get(self, request):
        self.now = timezone.now()
        page = self.paginate_queryset(self.get_queryset())
        data = PendingFeedbackOutputSerializer(page, many=True, context={"now": self.now}).data
        return self.get_paginated_response(data)
