"""Planning endpoints: jobs, candidates, loop templates, loops and the interviewer's kit."""

from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, ErrorCode
from core.idempotency import idempotent
from core.permissions import NewCredentialsNeedASignIn, RolePermission
from core.renderers import ICalendarRenderer, JSONErrorsMixin
from core.roles import Role
from core.selectors import calendar_feed_of, calendar_feed_owner
from core.services import calendar_feed_issue, calendar_feed_revoke
from core.throttling import CalendarFeedMissThrottle
from interviews import permissions, selectors, services
from interviews.calendar import sessions_calendar
from interviews.filters import InterviewerFilter, LoopFilter, LoopTemplateFilter, MySessionFilter
from interviews.models import (
    Candidate,
    InterviewerPool,
    InterviewSession,
    Job,
    JobTeamMember,
    Loop,
    LoopTemplate,
)
from interviews.serializers import (
    CalendarFeedCreatedOutputSerializer,
    CalendarFeedOutputSerializer,
    CandidateCreateInputSerializer,
    CandidateOutputSerializer,
    CandidateUpdateInputSerializer,
    InterviewerOutputSerializer,
    InterviewerPoolCreateInputSerializer,
    InterviewerPoolOutputSerializer,
    InterviewerPoolUpdateInputSerializer,
    InterviewerUpdateInputSerializer,
    JobCreateInputSerializer,
    JobOutputSerializer,
    JobTeamMemberAddInputSerializer,
    JobTeamMemberOutputSerializer,
    JobUpdateInputSerializer,
    LoopDecisionInputSerializer,
    LoopGenerateInputSerializer,
    LoopOutputSerializer,
    LoopScheduleInputSerializer,
    LoopSwapInputSerializer,
    LoopTemplateCreateInputSerializer,
    LoopTemplateOutputSerializer,
    LoopTemplateUpdateInputSerializer,
    MySessionOutputSerializer,
    PoolMemberAddInputSerializer,
)

ALL_ROLES = (Role.HIRING_MANAGER, Role.INTERVIEWER, Role.RECRUITER)
DELETED = OpenApiResponse(description="Deleted.")


def _valid(serializer_class, request, **context):
    body = serializer_class(data=request.data, context={"request": request, **context})
    body.is_valid(raise_exception=True)
    return body.validated_data


class PlanningApi(generics.GenericAPIView):
    """Jobs, templates and loops: who may do what is `interviews.permissions` (job teams)."""

    permission_classes = [permissions.PlanningPermission]
    object_rules: dict[str, str] = {}

    def visible(self, queryset, pk: int, label: str):
        """The object among those the user can see (else 404), after the object rule (else 403)."""
        target = queryset.filter(pk=pk).first()
        if target is None:
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                f"No {label} {pk} that you can see.",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        self.check_object_permissions(self.request, target)
        return target


# --- interviewers -------------------------------------------------------------------------------


class InterviewerApi(PlanningApi):
    """Users who may interview (active, with the interviewer or hiring_manager role) and their
    load this week. Hiring managers, recruiters and admins read; hiring managers and admins set
    weekly limits."""

    serializer_class = InterviewerOutputSerializer
    # People, not a job's objects: global roles decide.
    permission_classes = [RolePermission]
    read_roles = (Role.HIRING_MANAGER, Role.RECRUITER)
    write_roles = (Role.HIRING_MANAGER,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return selectors.interviewer_list(now=timezone.now())


class InterviewerListApi(InterviewerApi):
    filterset_class = InterviewerFilter

    @extend_schema(responses={200: InterviewerOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(InterviewerOutputSerializer(page, many=True).data)


class InterviewerDetailApi(InterviewerApi):
    def get_object(self) -> User:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(responses={200: InterviewerOutputSerializer})
    def get(self, request, pk: int):
        return Response(InterviewerOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=InterviewerUpdateInputSerializer, responses={200: InterviewerOutputSerializer}
    )
    def patch(self, request, pk: int):
        services.interviewer_set_weekly_limit(
            actor=request.user,
            interviewer=self.get_object(),
            weekly_limit=_valid(InterviewerUpdateInputSerializer, request)["weekly_limit"],
        )
        return Response(InterviewerOutputSerializer(self.get_object()).data)


# --- interviewer pools -------------------------------------------------------------------------


class InterviewerPoolApi(generics.GenericAPIView):
    """Interviewer pools: read by everyone but interviewers (hiring managers, recruiters,
    admins), changed by hiring managers and admins. Pools belong to the organisation, not to
    one job: global roles decide."""

    serializer_class = InterviewerPoolOutputSerializer
    permission_classes = [RolePermission]
    read_roles = (Role.HIRING_MANAGER, Role.RECRUITER)
    write_roles = (Role.HIRING_MANAGER,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InterviewerPool.objects.none()
        return selectors.interviewer_pool_list()

    def get_object(self) -> InterviewerPool:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def output(self, pool_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        pool = selectors.interviewer_pool_list().get(pk=pool_id)
        return Response(InterviewerPoolOutputSerializer(pool).data, status=status_code)


class InterviewerPoolListCreateApi(InterviewerPoolApi):
    @extend_schema(responses={200: InterviewerPoolOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InterviewerPoolOutputSerializer(page, many=True).data)

    @extend_schema(
        request=InterviewerPoolCreateInputSerializer,
        responses={201: InterviewerPoolOutputSerializer},
    )
    @idempotent
    def post(self, request):
        pool = services.interviewer_pool_create(
            actor=request.user, **_valid(InterviewerPoolCreateInputSerializer, request)
        )
        return self.output(pool.pk, status.HTTP_201_CREATED)


class InterviewerPoolDetailApi(InterviewerPoolApi):
    @extend_schema(responses={200: InterviewerPoolOutputSerializer})
    def get(self, request, pk: int):
        return Response(InterviewerPoolOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=InterviewerPoolUpdateInputSerializer,
        responses={200: InterviewerPoolOutputSerializer},
    )
    def patch(self, request, pk: int):
        pool = self.get_object()
        changes = _valid(InterviewerPoolUpdateInputSerializer, request, pool=pool)
        services.interviewer_pool_update(actor=request.user, pool=pool, changes=changes)
        return self.output(pool.pk)


class InterviewerPoolMemberAddApi(InterviewerPoolApi):
    @extend_schema(
        request=PoolMemberAddInputSerializer,
        responses={
            201: InterviewerPoolOutputSerializer,
            409: OpenApiResponse(description="The user is already in the pool."),
        },
        description="Add a member (a new trainee starts as a shadow); answers with the pool.",
    )
    def post(self, request, pk: int):
        pool = self.get_object()
        body = _valid(PoolMemberAddInputSerializer, request)
        services.pool_member_add(
            actor=request.user, pool=pool, user=body["user"], status_=body["status"]
        )
        return self.output(pool.pk, status.HTTP_201_CREATED)


class InterviewerPoolMemberApi(InterviewerPoolApi):
    @extend_schema(responses={204: OpenApiResponse(description="Taken off the pool.")})
    def delete(self, request, pk: int, user: int):
        services.pool_member_remove(actor=request.user, pool=self.get_object(), user_id=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InterviewerPoolMemberPromoteApi(InterviewerPoolApi):
    @extend_schema(
        request=None,
        responses={
            200: InterviewerPoolOutputSerializer,
            409: OpenApiResponse(description="The member is already qualified."),
        },
        description="Move a trainee one step: shadow -> reverse_shadow -> qualified; answers "
        "with the pool.",
    )
    def post(self, request, pk: int, user: int):
        pool = self.get_object()
        services.pool_member_promote(actor=request.user, pool=pool, user_id=user)
        return self.output(pool.pk)


# --- jobs --------------------------------------------------------------------------------------


class JobListCreateApi(PlanningApi):
    serializer_class = JobOutputSerializer
    create_rule = permissions.OPEN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return selectors.job_list(user=self.request.user)

    @extend_schema(responses={200: JobOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JobOutputSerializer(page, many=True).data)

    @extend_schema(request=JobCreateInputSerializer, responses={201: JobOutputSerializer})
    @idempotent
    def post(self, request):
        body = _valid(JobCreateInputSerializer, request)
        body.setdefault("hiring_manager", request.user)
        job = services.job_create(actor=request.user, **body)
        return Response(JobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetailApi(PlanningApi):
    serializer_class = JobOutputSerializer
    # Deleting the job, like handing it over (see patch), is the owners' call.
    object_rules = {"PATCH": permissions.PLAN, "DELETE": permissions.MANAGE_TEAM}

    def get_object(self) -> Job:
        return self.visible(selectors.job_list(user=self.request.user), self.kwargs["pk"], "job")

    @extend_schema(responses={200: JobOutputSerializer})
    def get(self, request, pk: int):
        return Response(JobOutputSerializer(self.get_object()).data)

    @extend_schema(request=JobUpdateInputSerializer, responses={200: JobOutputSerializer})
    def patch(self, request, pk: int):
        job = self.get_object()
        changes = _valid(JobUpdateInputSerializer, request)
        if "hiring_manager" in changes:
            permissions.require(request.user, permissions.MANAGE_TEAM, job)
        job = services.job_update(actor=request.user, job=job, changes=changes)
        return Response(JobOutputSerializer(job).data)

    @extend_schema(responses={204: DELETED})
    def delete(self, request, pk: int):
        services.planning_object_delete(actor=request.user, target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobTeamApi(PlanningApi):
    """A job's hiring team: read by whoever sees the job, changed by its hiring managers."""

    serializer_class = JobTeamMemberOutputSerializer
    queryset = JobTeamMember.objects.none()  # the schema's model; rows come from the selector
    object_rules = {"POST": permissions.MANAGE_TEAM}

    def job(self) -> Job:
        return self.visible(selectors.job_list(user=self.request.user), self.kwargs["pk"], "job")

    @extend_schema(responses={200: JobTeamMemberOutputSerializer(many=True)})
    def get(self, request, pk: int):
        page = self.paginate_queryset(selectors.job_team_list(job=self.job()))
        return self.get_paginated_response(JobTeamMemberOutputSerializer(page, many=True).data)

    @extend_schema(
        request=JobTeamMemberAddInputSerializer,
        responses={
            201: JobTeamMemberOutputSerializer,
            409: OpenApiResponse(description="The user is already on the team."),
        },
    )
    def post(self, request, pk: int):
        job = self.job()
        body = _valid(JobTeamMemberAddInputSerializer, request)
        member = services.job_team_member_add(
            actor=request.user, job=job, user=body["user"], role=body["role"]
        )
        return Response(JobTeamMemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)


class JobTeamMemberApi(PlanningApi):
    queryset = JobTeamMember.objects.none()
    object_rules = {"DELETE": permissions.MANAGE_TEAM}

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Taken off the team."),
            409: OpenApiResponse(description="The job's hiring manager stays on its team."),
        }
    )
    def delete(self, request, pk: int, user: int):
        job = self.visible(selectors.job_list(user=request.user), pk, "job")
        services.job_team_member_remove(actor=request.user, job=job, user_id=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- candidates --------------------------------------------------------------------------------


class CandidateApi(PlanningApi):
    """Interviewers see only the candidates of loops they interview in, and never e-mails."""

    serializer_class = CandidateOutputSerializer
    # Candidates belong to the organisation, not to one job: global roles decide.
    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    write_roles = (Role.HIRING_MANAGER, Role.RECRUITER)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Candidate.objects.none()
        return selectors.candidate_list(user=self.request.user)

    def get_serializer_context(self) -> dict:
        return {"show_email": selectors.sees_all_candidates(self.request.user)}

    def output(self, candidate, **kwargs) -> dict:
        return CandidateOutputSerializer(
            candidate, context=self.get_serializer_context(), **kwargs
        ).data


class CandidateListCreateApi(CandidateApi):
    @extend_schema(responses={200: CandidateOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.output(page, many=True))

    @extend_schema(
        request=CandidateCreateInputSerializer, responses={201: CandidateOutputSerializer}
    )
    @idempotent
    def post(self, request):
        candidate = services.candidate_create(
            actor=request.user, **_valid(CandidateCreateInputSerializer, request)
        )
        return Response(self.output(candidate), status=status.HTTP_201_CREATED)


class CandidateDetailApi(CandidateApi):
    def get_object(self) -> Candidate:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(responses={200: CandidateOutputSerializer})
    def get(self, request, pk: int):
        return Response(self.output(self.get_object()))

    @extend_schema(
        request=CandidateUpdateInputSerializer, responses={200: CandidateOutputSerializer}
    )
    def patch(self, request, pk: int):
        candidate = self.get_object()
        changes = _valid(CandidateUpdateInputSerializer, request, candidate_id=candidate.pk)
        candidate = services.candidate_update(
            actor=request.user, candidate=candidate, changes=changes
        )
        return Response(self.output(candidate))

    @extend_schema(responses={204: DELETED})
    def delete(self, request, pk: int):
        services.planning_object_delete(actor=request.user, target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- loop templates ----------------------------------------------------------------------------


class LoopTemplateListCreateApi(PlanningApi):
    serializer_class = LoopTemplateOutputSerializer
    filterset_class = LoopTemplateFilter
    create_rule = permissions.PLAN_SOME

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LoopTemplate.objects.none()
        return selectors.loop_template_list(user=self.request.user)

    @extend_schema(responses={200: LoopTemplateOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(LoopTemplateOutputSerializer(page, many=True).data)

    @extend_schema(
        request=LoopTemplateCreateInputSerializer, responses={201: LoopTemplateOutputSerializer}
    )
    @idempotent
    def post(self, request):
        body = _valid(LoopTemplateCreateInputSerializer, request)
        permissions.require(request.user, permissions.PLAN, body["job"])
        template = services.loop_template_create(actor=request.user, **body)
        template = selectors.loop_template_list(user=request.user).get(pk=template.pk)
        return Response(LoopTemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED)


class LoopTemplateDetailApi(PlanningApi):
    serializer_class = LoopTemplateOutputSerializer
    object_rules = {"PATCH": permissions.PLAN, "DELETE": permissions.PLAN}

    def get_object(self) -> LoopTemplate:
        templates = selectors.loop_template_list(user=self.request.user)
        return self.visible(templates, self.kwargs["pk"], "loop template")

    @extend_schema(responses={200: LoopTemplateOutputSerializer})
    def get(self, request, pk: int):
        return Response(LoopTemplateOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=LoopTemplateUpdateInputSerializer, responses={200: LoopTemplateOutputSerializer}
    )
    def patch(self, request, pk: int):
        template = self.get_object()
        changes = _valid(LoopTemplateUpdateInputSerializer, request)
        if "job" in changes:
            permissions.require(request.user, permissions.PLAN, changes["job"])
        services.loop_template_update(actor=request.user, template=template, changes=changes)
        return Response(LoopTemplateOutputSerializer(self.get_object()).data)

    @extend_schema(responses={204: DELETED})
    def delete(self, request, pk: int):
        services.planning_object_delete(actor=request.user, target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- loops -------------------------------------------------------------------------------------


class LoopApi(PlanningApi):
    """Interviewers see only loops they interview in; any other loop is a 404 to them."""

    serializer_class = LoopOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loop.objects.none()
        return selectors.loop_list(user=self.request.user)

    def get_object(self):
        return self.visible(selectors.loop_list(user=self.request.user), self.kwargs["pk"], "loop")

    def plan(self, loop_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        loop = selectors.loop_get(user=self.request.user, loop_id=loop_id)
        return Response(
            LoopOutputSerializer(loop, context=self.get_serializer_context()).data,
            status=status_code,
        )


class LoopListCreateApi(LoopApi):
    filterset_class = LoopFilter
    create_rule = permissions.PLAN_SOME

    @extend_schema(responses={200: LoopOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            LoopOutputSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=LoopGenerateInputSerializer,
        responses={
            201: LoopOutputSerializer,
            409: OpenApiResponse(description="A named interviewer is at their weekly limit."),
        },
        description=(
            "Generate a draft loop, with the named `interviewers` or, without them, staffed from "
            "the template's interviewer pool. A request that cannot be met is a 400 whose "
            "`fields` name the short level (`level_quotas.<slug>`), the missing interviewers "
            "(`interviewers`: who is short) or the overflowing session (`sessions.<order>`); "
            "named interviewers at their weekly limit are a 409 naming them."
        ),
    )
    @idempotent
    def post(self, request):
        body = _valid(LoopGenerateInputSerializer, request)
        template = selectors.loop_template_get(user=request.user, template_id=body["template"])
        if template is None:
            raise ApplicationError(
                ErrorCode.VALIDATION_ERROR,
                f"There is no loop template {body['template']} that you can see.",
                {"template": [f"No loop template with id {body['template']}."]},
            )
        permissions.require(request.user, permissions.PLAN, template)
        loop = services.loop_generate(
            actor=request.user,
            candidate_id=body["candidate"],
            template_id=body["template"],
            interviewer_ids=body.get("interviewers"),
            seed=body.get("seed"),
        )
        # The service hands back the loop with its sessions, seats and questions in place, and
        # its balance as the generator built it: per_level already in level order, so the
        # serializer need not read the levels again.
        level_rank = {slug: rank for rank, slug in enumerate(loop.balance["per_level"])}
        return Response(
            LoopOutputSerializer(
                loop, context={**self.get_serializer_context(), "level_rank": level_rank}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class LoopDetailApi(LoopApi):
    @extend_schema(responses={200: LoopOutputSerializer})
    def get(self, request, pk: int):
        return Response(
            LoopOutputSerializer(self.get_object(), context=self.get_serializer_context()).data
        )


class LoopSwapApi(LoopApi):
    object_rules = {"POST": permissions.PLAN}

    @extend_schema(request=LoopSwapInputSerializer, responses={200: LoopOutputSerializer})
    def post(self, request, pk: int):
        body = _valid(LoopSwapInputSerializer, request)
        services.loop_swap_question(
            actor=request.user,
            loop=self.get_object(),
            session_id=body["session"],
            question_out_id=body["question_out"],
            question_in_id=body.get("question_in"),
        )
        return self.plan(pk)


class LoopScheduleApi(LoopApi):
    object_rules = {"POST": permissions.PLAN}

    @extend_schema(
        request=LoopScheduleInputSerializer,
        responses={
            200: LoopOutputSerializer,
            409: OpenApiResponse(
                description="The loop is not a draft, its candidate was erased, or a time "
                "would put someone over their weekly limit."
            ),
        },
    )
    def post(self, request, pk: int):
        body = _valid(LoopScheduleInputSerializer, request)
        services.loop_schedule(
            actor=request.user,
            loop=self.get_object(),
            session_times={item["id"]: item["scheduled_at"] for item in body.get("sessions", [])},
        )
        return self.plan(pk)


class LoopCancelApi(LoopApi):
    object_rules = {"POST": permissions.PLAN}

    @extend_schema(request=None, responses={200: LoopOutputSerializer})
    def post(self, request, pk: int):
        services.loop_cancel(actor=request.user, loop=self.get_object())
        return self.plan(pk)


class LoopDecisionApi(LoopApi):
    object_rules = {"POST": permissions.DECIDE}

    @extend_schema(request=LoopDecisionInputSerializer, responses={200: LoopOutputSerializer})
    def post(self, request, pk: int):
        body = _valid(LoopDecisionInputSerializer, request)
        services.loop_decide(
            actor=request.user,
            loop=self.get_object(),
            decision=body["decision"],
            note=body["note"],
        )
        return self.plan(pk)


# --- the interviewer's kit ---------------------------------------------------------------------


class MySessionListApi(generics.GenericAPIView):
    """The requesting user's sessions in loops that are not cancelled, with each question's
    prompt, hint, competencies and active rubric criteria."""

    permission_classes = [IsAuthenticated]
    serializer_class = MySessionOutputSerializer
    filterset_class = MySessionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InterviewSession.objects.none()
        return selectors.my_session_list(user=self.request.user)

    @extend_schema(responses={200: MySessionOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MySessionOutputSerializer(page, many=True).data)


# --- calendars ---------------------------------------------------------------------------------

CALENDAR_RESPONSES = {
    (200, "text/calendar"): OpenApiResponse(
        OpenApiTypes.STR,
        description="An iCalendar file (RFC 5545, METHOD:PUBLISH): one VEVENT per session that "
        "has a time, UID `session-<id>@<domain>`, times in UTC, the interviewers as attendees; "
        "a cancelled loop's events have STATUS:CANCELLED and a higher SEQUENCE.",
    ),
    406: OpenApiResponse(description="Accept names no type this calendar is served as."),
}


def calendar_response(content: bytes, *, filename: str) -> Response:
    response = Response(content)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class LoopCalendarApi(JSONErrorsMixin, LoopApi):
    """The loop's sessions as a calendar, for whoever may view the loop (else 404)."""

    renderer_classes = [ICalendarRenderer]

    @extend_schema(operation_id="loops_calendar", responses=CALENDAR_RESPONSES)
    def get(self, request, pk: int):
        loop = self.visible(
            Loop.objects.filter(permissions.visible_loops_q(request.user)), pk, "loop"
        )
        content = sessions_calendar(
            selectors.loop_calendar_sessions(loop=loop),
            name=f"Interview loop {loop.pk}",
            uid_domain=settings.CALENDAR_UID_DOMAIN,
        )
        return calendar_response(content, filename=f"loop-{loop.pk}.ics")


class MyCalendarApi(JSONErrorsMixin, generics.GenericAPIView):
    """The caller's own sessions as a calendar: every session they sit in that has a time,
    from a year back on; sessions of cancelled loops stay in it as cancelled events."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [ICalendarRenderer]
    queryset = InterviewSession.objects.none()  # the schema's model; rows come from the selector

    @extend_schema(operation_id="me_calendar", responses=CALENDAR_RESPONSES)
    def get(self, request):
        return my_calendar_response(request.user)


def my_calendar_response(user: User) -> Response:
    """The user's own calendar: `/me/calendar.ics` and their secret-URL feed serve these bytes."""
    content = sessions_calendar(
        selectors.my_calendar_sessions(user=user, now=timezone.now()),
        name="My interviews",
        uid_domain=settings.CALENDAR_UID_DOMAIN,
    )
    return calendar_response(content, filename="my-interviews.ics")


# --- the secret-URL calendar feed --------------------------------------------------------------

FEED_NOT_FOUND = (
    "No calendar feed has this address. It may have been replaced or revoked: ask its owner for "
    "the new one, or make your own with POST /api/v1/me/calendar-feed/."
)


class CalendarFeedApi(JSONErrorsMixin, APIView):
    """A user's own calendar at a secret URL, for calendar clients that only take a URL.

    No authentication at all: the secret in the path is the credential, so an Authorization
    header or a session cookie (anyone's) neither helps nor changes whose feed it is. A wrong,
    revoked or rotated secret, and a deactivated owner, get the same 404; unknown secrets are
    limited per address (core.throttling.CalendarFeedMissThrottle). The secret is redacted from
    our logs (core/log_redaction.py)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    renderer_classes = [ICalendarRenderer]

    @extend_schema(
        operation_id="calendar_feeds_calendar",
        parameters=[
            OpenApiParameter(
                "secret",
                str,
                OpenApiParameter.PATH,
                description="The secret of a calendar feed URL, from "
                "`POST /api/v1/me/calendar-feed/` (`secret`, also part of `url`).",
            )
        ],
        responses={
            **CALENDAR_RESPONSES,
            404: OpenApiResponse(
                description="No feed has this secret (never issued, replaced, revoked, or its "
                "owner deactivated: all alike)."
            ),
            429: OpenApiResponse(
                description="Too many unknown secrets from this address; see `Retry-After`."
            ),
        },
    )
    def get(self, request, secret: str):
        misses = CalendarFeedMissThrottle()
        if not misses.allow_request(request, self):
            self.throttled(request, misses.wait())
        owner = calendar_feed_owner(secret=secret)
        if owner is None:
            misses.record_miss()
            raise NotFound(FEED_NOT_FOUND)
        response = my_calendar_response(owner)
        # Shared caches (a proxy, a CDN) must not keep one person's calendar for another.
        patch_cache_control(response, private=True)
        return response


class MyCalendarFeedApi(APIView):
    """The caller's secret calendar URL: whether there is one (GET), a new one replacing any
    other (POST; the URL is shown only in that answer, and not to an integration token: the URL
    would outlive it), none (DELETE)."""

    permission_classes = [IsAuthenticated, NewCredentialsNeedASignIn]

    @extend_schema(
        operation_id="me_calendar_feed_retrieve", responses={200: CalendarFeedOutputSerializer}
    )
    def get(self, request):
        feed = calendar_feed_of(user=request.user)
        body = {"exists": feed is not None, "created_at": feed.created_at if feed else None}
        return Response(CalendarFeedOutputSerializer(body).data)

    @extend_schema(
        operation_id="me_calendar_feed_create",
        request=None,
        responses={201: CalendarFeedCreatedOutputSerializer},
        description="Make a new secret calendar URL for your own sessions; the one you had "
        "stops working. Send no body. No Idempotency-Key: a stored answer would be a stored "
        "secret, and calling again simply makes another URL.",
    )
    def post(self, request):
        feed, secret = calendar_feed_issue(user=request.user)
        url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"secret": secret}))
        body = {"url": url, "secret": secret, "created_at": feed.created_at}
        response = Response(
            CalendarFeedCreatedOutputSerializer(body).data, status=status.HTTP_201_CREATED
        )
        patch_cache_control(response, no_store=True)
        return response

    @extend_schema(
        operation_id="me_calendar_feed_destroy",
        responses={
            204: None,
            404: OpenApiResponse(description="You have no calendar feed."),
        },
    )
    def delete(self, request):
        if not calendar_feed_revoke(user=request.user):
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                "You have no calendar feed to revoke; make one with "
                "POST /api/v1/me/calendar-feed/.",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
