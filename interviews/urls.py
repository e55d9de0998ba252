from django.urls import path

from interviews import apis

urlpatterns = [
    path("interviewers/", apis.InterviewerListApi.as_view(), name="interviewer-list"),
    path("interviewers/<int:pk>/", apis.InterviewerDetailApi.as_view(), name="interviewer-detail"),
    path(
        "interviewer-pools/",
        apis.InterviewerPoolListCreateApi.as_view(),
        name="interviewerpool-list",
    ),
    path(
        "interviewer-pools/<int:pk>/",
        apis.InterviewerPoolDetailApi.as_view(),
        name="interviewerpool-detail",
    ),
    path(
        "interviewer-pools/<int:pk>/members/",
        apis.InterviewerPoolMemberAddApi.as_view(),
        name="interviewerpool-members",
    ),
    path(
        "interviewer-pools/<int:pk>/members/<int:user>/",
        apis.InterviewerPoolMemberApi.as_view(),
        name="interviewerpool-member",
    ),
    path(
        "interviewer-pools/<int:pk>/members/<int:user>/promote/",
        apis.InterviewerPoolMemberPromoteApi.as_view(),
        name="interviewerpool-member-promote",
    ),
    path("jobs/", apis.JobListCreateApi.as_view(), name="job-list"),
    path("jobs/<int:pk>/", apis.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/team/", apis.JobTeamApi.as_view(), name="job-team"),
    path("jobs/<int:pk>/team/<int:user>/", apis.JobTeamMemberApi.as_view(), name="job-team-member"),
    path("candidates/", apis.CandidateListCreateApi.as_view(), name="candidate-list"),
    path("candidates/<int:pk>/", apis.CandidateDetailApi.as_view(), name="candidate-detail"),
    path("loop-templates/", apis.LoopTemplateListCreateApi.as_view(), name="looptemplate-list"),
    path(
        "loop-templates/<int:pk>/",
        apis.LoopTemplateDetailApi.as_view(),
        name="looptemplate-detail",
    ),
    path("loops/", apis.LoopListCreateApi.as_view(), name="loop-list"),
    path("loops/<int:pk>/", apis.LoopDetailApi.as_view(), name="loop-detail"),
    path("loops/<int:pk>/swap/", apis.LoopSwapApi.as_view(), name="loop-swap"),
    path("loops/<int:pk>/schedule/", apis.LoopScheduleApi.as_view(), name="loop-schedule"),
    path("loops/<int:pk>/cancel/", apis.LoopCancelApi.as_view(), name="loop-cancel"),
    path("loops/<int:pk>/decision/", apis.LoopDecisionApi.as_view(), name="loop-decision"),
    path("loops/<int:pk>/calendar.ics", apis.LoopCalendarApi.as_view(), name="loop-calendar"),
    path("me/calendar.ics", apis.MyCalendarApi.as_view(), name="my-calendar"),
    path("me/calendar-feed/", apis.MyCalendarFeedApi.as_view(), name="my-calendar-feed"),
    # The secret is the credential (interviews/apis.py CalendarFeedApi); any segment reaches the
    # view, so a malformed one is a miss counted like any other, with the same 404.
    path(
        "calendar-feeds/<str:secret>/calendar.ics",
        apis.CalendarFeedApi.as_view(),
        name="calendar-feed",
    ),
    path("me/sessions/", apis.MySessionListApi.as_view(), name="my-session-list"),
]
