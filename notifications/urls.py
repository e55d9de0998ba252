from django.urls import path

from notifications import apis

urlpatterns = [
    path("me/pending-feedback/", apis.PendingFeedbackListApi.as_view(), name="my-pending-feedback"),
]
