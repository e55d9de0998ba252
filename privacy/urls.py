from django.urls import path

from privacy import apis

urlpatterns = [
    path("candidates/<int:pk>/export/", apis.CandidateExportApi.as_view(), name="candidate-export"),
    path("candidates/<int:pk>/erase/", apis.CandidateEraseApi.as_view(), name="candidate-erase"),
]
