from django.urls import path

from interviews import apis

urlpatterns = [
    path("jobs/", apis.JobListCreateView.as_view(), name="job-list"),
    path("jobs/<int:pk>/", apis.JobDetailView.as_view(), name="job-detail"),
    path("candidates/", apis.CandidateListCreateView.as_view(), name="candidate-list"),
    path("candidates/<int:pk>/", apis.CandidateDetailView.as_view(), name="candidate-detail"),
    path("loop-templates/", apis.LoopTemplateListCreateView.as_view(), name="looptemplate-list"),
    path(
        "loop-templates/<int:pk>/",
        apis.LoopTemplateDetailView.as_view(),
        name="looptemplate-detail",
    ),
    path("loops/", apis.LoopListCreateView.as_view(), name="loop-list"),
    path("loops/<int:pk>/", apis.LoopDetailView.as_view(), name="loop-detail"),
    path("loops/<int:pk>/swap/", apis.LoopSwapView.as_view(), name="loop-swap"),
    path("loops/<int:pk>/schedule/", apis.LoopScheduleView.as_view(), name="loop-schedule"),
    path("loops/<int:pk>/cancel/", apis.LoopCancelView.as_view(), name="loop-cancel"),
    path("loops/<int:pk>/decision/", apis.LoopDecisionView.as_view(), name="loop-decision"),
    path("me/sessions/", apis.MySessionListView.as_view(), name="my-session-list"),
]
