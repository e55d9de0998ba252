import re

from django.contrib.auth.models import User
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import (
    StrictCharField,
    StrictChoiceField,
    StrictDateTimeField,
    StrictEmailField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    StrictSlugField,
)
from interviews import permissions
from interviews.models import (
    Candidate,
    InterviewerPool,
    InterviewSession,
    Job,
    JobTeamMember,
    Loop,
    LoopTemplate,
    PoolMember,
    loop_balance_read,
)
from interviews.selectors import decision_note_visible
from questionbank.models import Competency, Level

MAX_SEED = 2**63 - 1


# --- interviewers ------------------------------------------------------------------------------


class InterviewerPoolPlaceOutputSerializer(serializers.Serializer):
    pool = serializers.IntegerField(source="pool_id")
    status = serializers.ChoiceField(choices=PoolMember.Status.choices)


class InterviewerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    weekly_limit = serializers.SerializerMethodField(
        help_text="Most sessions a week; null: no limit."
    )
    sessions_this_week = serializers.IntegerField(
        help_text="Sessions (scoring or trainee seats) in loops not cancelled, scheduled in the "
        "current ISO week (UTC), or created that week while they have no time."
    )

    pools = serializers.SerializerMethodField(help_text="The pools the user is a member of.")

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_weekly_limit(self, user: User) -> int | None:
        profile = getattr(user, "interviewer_profile", None)
        return None if profile is None else profile.weekly_limit

    @extend_schema_field(InterviewerPoolPlaceOutputSerializer(many=True))
    def get_pools(self, user: User) -> list[dict]:
        # `pool_rows` is prefetched by interviews.selectors.interviewer_list.
        return InterviewerPoolPlaceOutputSerializer(user.pool_rows, many=True).data


class InterviewerUpdateInputSerializer(serializers.Serializer):
    weekly_limit = StrictIntegerField(
        min_value=1,
        max_value=100,
        allow_null=True,
        help_text="Most sessions a week, at least 1; null lifts the limit.",
    )


# --- interviewer pools ---------------------------------------------------------------------------


class PoolMemberOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    status = serializers.ChoiceField(choices=PoolMember.Status.choices)
    shadow_sessions = serializers.IntegerField(
        help_text="Sessions sat as a shadow trainee of this pool, in loops not cancelled."
    )
    reverse_shadow_sessions = serializers.IntegerField(
        help_text="Sessions sat as a reverse-shadow trainee of this pool, in loops not cancelled."
    )


class InterviewerPoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    levels = serializers.SerializerMethodField(help_text="Level slugs covered; empty: any.")
    competencies = serializers.SerializerMethodField(
        help_text="Competency slugs covered; empty: any."
    )
    members = PoolMemberOutputSerializer(many=True, source="member_rows")
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_levels(self, pool: InterviewerPool) -> list[str]:
        return [level.slug for level in pool.levels.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_competencies(self, pool: InterviewerPool) -> list[str]:
        return [competency.slug for competency in pool.competencies.all()]


def _slugs_field(what: str) -> serializers.ListField:
    return serializers.ListField(
        child=StrictSlugField(max_length=50),
        max_length=200,
        required=False,
        help_text=f"{what} slugs the pool covers; empty: any.",
    )


def _known(model, slugs: list[str], where: str) -> list:
    """The rows of `slugs` (each once, in order); a slug that names none is refused."""
    rows = {row.slug: row for row in model.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in rows]
    if unknown:
        raise serializers.ValidationError(
            f"No {model._meta.verbose_name} '{', '.join(unknown)}'; use slugs from {where}."
        )
    return list({slug: rows[slug] for slug in slugs}.values())


class InterviewerPoolCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    levels = _slugs_field("Level")
    competencies = _slugs_field("Competency")

    def validate_levels(self, value: list[str]) -> list[Level]:
        return _known(Level, value, "GET /api/v1/levels/")

    def validate_competencies(self, value: list[str]) -> list[Competency]:
        return _known(Competency, value, "GET /api/v1/competencies/")

    def validate_name(self, value: str) -> str:
        pools = InterviewerPool.objects.filter(name=value)
        current = self.context.get("pool")
        if current is not None:
            pools = pools.exclude(pk=current.pk)
        if pools.exists():
            raise serializers.ValidationError(f"Another pool is already named '{value}'.")
        return value


class InterviewerPoolUpdateInputSerializer(InterviewerPoolCreateInputSerializer):
    name = StrictCharField(max_length=200, required=False)


class PoolMemberAddInputSerializer(serializers.Serializer):
    user = StrictPrimaryKeyRelatedField(queryset=User.objects.all())
    status = StrictChoiceField(
        choices=PoolMember.Status.choices,
        default=PoolMember.Status.SHADOW,
        help_text="Where the member starts; a new trainee starts as a shadow.",
    )


# --- jobs --------------------------------------------------------------------------------------


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    seniority = serializers.ChoiceField(choices=Job.Seniority.choices)
    hiring_manager = serializers.IntegerField(source="hiring_manager_id")
    created_at = serializers.DateTimeField()


class JobCreateInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    seniority = StrictChoiceField(choices=Job.Seniority.choices, default=Job.Seniority.MID)
    hiring_manager = StrictPrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text="Defaults to the requesting user.",
    )


class JobUpdateInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    seniority = StrictChoiceField(choices=Job.Seniority.choices, required=False)
    hiring_manager = StrictPrimaryKeyRelatedField(queryset=User.objects.all(), required=False)


class JobTeamMemberOutputSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=JobTeamMember.Role.choices)
    added_at = serializers.DateTimeField()


class JobTeamMemberAddInputSerializer(serializers.Serializer):
    user = StrictPrimaryKeyRelatedField(queryset=User.objects.all())
    role = StrictChoiceField(choices=JobTeamMember.Role.choices)


@extend_schema_field(OpenApiTypes.INT)
class VisibleJobField(StrictPrimaryKeyRelatedField):
    """A job id among the jobs the requesting user can see: any other id reads as unknown."""

    def get_queryset(self):
        return permissions.visible_jobs(self.context["request"].user, Job.objects.all())


# --- candidates --------------------------------------------------------------------------------


class CandidateOutputSerializer(serializers.Serializer):
    """`email` is present only for hiring managers, recruiters and admins."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField(required=False)  # "" when unknown: not format: email
    external_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    erased_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Candidate) -> dict:
        body = super().to_representation(instance)
        if not self.context.get("show_email", False):
            body.pop("email", None)
        return body


def _external_id_taken(value: str, exclude_id: int | None = None) -> bool:
    candidates = Candidate.objects.filter(external_id=value)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return bool(value) and candidates.exists()


class CandidateCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    email = StrictEmailField(required=False, allow_blank=True, default="")
    external_id = StrictCharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_external_id(self, value: str) -> str:
        if _external_id_taken(value):
            raise serializers.ValidationError(
                f"Another candidate already has external id '{value}'."
            )
        return value


class CandidateUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False)
    email = StrictEmailField(required=False, allow_blank=True)
    external_id = StrictCharField(max_length=100, required=False, allow_blank=True)

    def validate_external_id(self, value: str) -> str:
        if _external_id_taken(value, exclude_id=self.context["candidate_id"]):
            raise serializers.ValidationError(
                f"Another candidate already has external id '{value}'."
            )
        return value


# --- loop templates ----------------------------------------------------------------------------


class LoopTemplateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    job = serializers.IntegerField(source="job_id")
    level_quotas = serializers.SerializerMethodField()
    session_count = serializers.IntegerField()
    session_minutes = serializers.IntegerField()
    interviewers_per_session = serializers.IntegerField()
    interviewer_pool = serializers.IntegerField(source="interviewer_pool_id", allow_null=True)
    trainees_per_session = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_level_quotas(self, template: LoopTemplate) -> dict[str, int]:
        # Reads the prefetched quotas (with their levels): no query per template.
        quotas = sorted(template.quotas.all(), key=lambda q: (q.level.order, q.level_id))
        return {q.level_id: q.count for q in quotas}


# Level.slug is a SlugField of at most 50 characters.
LEVEL_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class LevelQuotasField(serializers.DictField):
    """Level slug -> number of questions. A key that cannot be a level slug is refused here, before
    it reaches a query: a NUL byte in one was a 500 from PostgreSQL (found by stateful fuzzing)."""

    def to_internal_value(self, data):
        quotas = super().to_internal_value(data)
        for key in quotas:
            if not LEVEL_SLUG.fullmatch(key):
                raise serializers.ValidationError(
                    f"{key!r} is not a level slug (letters, digits, '-' and '_', at most 50); "
                    "use a slug from GET /api/v1/levels/."
                )
        return quotas


def _quotas_field(required: bool = True) -> serializers.DictField:
    return LevelQuotasField(
        child=StrictIntegerField(min_value=0, max_value=100),
        allow_empty=False,
        required=required,
        help_text='Questions per level, e.g. {"beginner": 1, "intermediate": 2}.',
    )


class LoopTemplateCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    job = VisibleJobField()
    level_quotas = _quotas_field()
    session_count = StrictIntegerField(min_value=1, max_value=20)
    session_minutes = StrictIntegerField(min_value=5, max_value=240)
    interviewers_per_session = StrictIntegerField(min_value=1, max_value=4, default=1)
    interviewer_pool = StrictPrimaryKeyRelatedField(
        queryset=InterviewerPool.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Loops generated without interviewers are staffed from this pool.",
    )
    trainees_per_session = StrictIntegerField(min_value=0, max_value=1, default=0)


class LoopTemplateUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False)
    job = VisibleJobField(required=False)
    level_quotas = _quotas_field(required=False)
    session_count = StrictIntegerField(min_value=1, max_value=20, required=False)
    session_minutes = StrictIntegerField(min_value=5, max_value=240, required=False)
    interviewers_per_session = StrictIntegerField(min_value=1, max_value=4, required=False)
    interviewer_pool = StrictPrimaryKeyRelatedField(
        queryset=InterviewerPool.objects.all(), required=False, allow_null=True
    )
    trainees_per_session = StrictIntegerField(min_value=0, max_value=1, required=False)


# --- loops -------------------------------------------------------------------------------------


class LoopGenerateInputSerializer(serializers.Serializer):
    candidate = StrictIntegerField(min_value=1)
    template = StrictIntegerField(min_value=1)
    interviewers = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        min_length=1,
        max_length=200,
        required=False,
        help_text="Omitted: the loop is staffed from the template's interviewer pool.",
    )
    seed = StrictIntegerField(
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        allow_null=True,
        help_text="Same inputs and seed give the same plan; omitted, a random seed is chosen.",
    )


class LoopSessionQuestionOutputSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    level = serializers.CharField(source="question.level_id")
    order = serializers.IntegerField()
    estimated_minutes = serializers.IntegerField()


class LoopSessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    interviewers = serializers.SerializerMethodField()
    trainees = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    questions = LoopSessionQuestionOutputSerializer(many=True, source="session_questions.all")

    def get_interviewers(self, session: InterviewSession) -> list[int]:
        """User ids of the scoring interviewers, the lead first."""
        return [seat.interviewer_id for seat in session.session_interviewers.all()]

    def get_trainees(self, session: InterviewSession) -> list[int]:
        """User ids of the trainees who shadow the session (they do not score)."""
        return [seat.trainee_id for seat in session.session_trainees.all()]


class LoopBalanceOutputSerializer(serializers.Serializer):
    """Reads the loop's stored balance defensively: a part missing or malformed (the column is
    JSON and an admin or a script may have written anything, JSON null included) is shown empty
    rather than failing. Bound with `source="*"`: DRF would show a null balance as null without
    asking this serializer."""

    per_level = serializers.SerializerMethodField(
        help_text="Questions per level slug, in the bank's level order (easier levels first)."
    )
    competencies_covered = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())

    def to_representation(self, instance: Loop) -> dict:
        return super().to_representation(loop_balance_read(instance.balance))

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_per_level(self, balance: dict) -> dict[str, int]:
        """The stored counts in level order: jsonb keeps its keys in its own order.

        The level order is read once per response and shared through the root serializer's
        context, so a page of loops costs one query for it, not one per loop.
        """
        rank = self.context.get("level_rank")
        if rank is None:
            slugs = Level.objects.order_by("order", "slug").values_list("slug", flat=True)
            rank = self.context["level_rank"] = {slug: i for i, slug in enumerate(slugs)}
        counts = balance["per_level"]
        return {
            slug: counts[slug] for slug in sorted(counts, key=lambda s: (rank.get(s, len(rank)), s))
        }


class LoopOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    candidate = serializers.IntegerField(source="candidate_id")
    template = serializers.IntegerField(source="template_id")
    status = serializers.ChoiceField(choices=Loop.Status.choices)
    seed = serializers.IntegerField()
    sessions = LoopSessionOutputSerializer(many=True, source="sessions.all")
    balance = LoopBalanceOutputSerializer(source="*")
    decision = serializers.CharField(help_text='"hire", "no_hire" or "" (not decided).')
    decision_note = serializers.SerializerMethodField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The decision's note; null for a caller who only interviews in the loop "
            "(interviewers never see it).",
        )
    )
    def get_decision_note(self, loop: Loop) -> str | None:
        # Fails closed: without the request in the context nobody is shown the note.
        user = getattr(self.context.get("request"), "user", None)
        return loop.decision_note if decision_note_visible(user=user, loop=loop) else None


class LoopSwapInputSerializer(serializers.Serializer):
    session = StrictIntegerField(min_value=1)
    question_out = StrictIntegerField(min_value=1)
    question_in = StrictIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Omitted: the generator picks the replacement that keeps the loop balanced.",
    )


class LoopScheduleSessionInputSerializer(serializers.Serializer):
    id = StrictIntegerField(min_value=1)
    scheduled_at = StrictDateTimeField()


class LoopScheduleInputSerializer(serializers.Serializer):
    sessions = LoopScheduleSessionInputSerializer(many=True, required=False)

    def validate_sessions(self, value: list[dict]) -> list[dict]:
        ids = [item["id"] for item in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Session(s) {', '.join(map(str, repeated))} appear more than once; give each "
                "session one time."
            )
        return value


class LoopDecisionInputSerializer(serializers.Serializer):
    decision = StrictChoiceField(choices=Loop.Decision.choices)
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)


# --- the interviewer's kit ---------------------------------------------------------------------


class KitCriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    weight = serializers.FloatField()


class KitQuestionOutputSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    slug = serializers.CharField(source="question.slug")
    level = serializers.CharField(source="question.level_id")
    order = serializers.IntegerField()
    estimated_minutes = serializers.IntegerField()
    prompt = serializers.CharField(source="question.prompt")
    hint = serializers.CharField(source="question.hint")
    competencies = serializers.SerializerMethodField()
    rubric = KitCriterionOutputSerializer(many=True, source="question.criteria.all")

    def get_competencies(self, row) -> list[str]:
        return sorted(c.slug for c in row.question.competencies.all())


class KitCandidateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MySessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loop = serializers.IntegerField(source="loop_id")
    loop_status = serializers.ChoiceField(choices=Loop.Status.choices, source="loop.status")
    candidate = KitCandidateOutputSerializer(source="loop.candidate")
    order = serializers.IntegerField()
    duration_minutes = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    interviewers = serializers.SerializerMethodField()
    trainees = serializers.SerializerMethodField()
    questions = KitQuestionOutputSerializer(many=True, source="session_questions.all")

    def get_interviewers(self, session: InterviewSession) -> list[int]:
        return [seat.interviewer_id for seat in session.session_interviewers.all()]

    def get_trainees(self, session: InterviewSession) -> list[int]:
        return [seat.trainee_id for seat in session.session_trainees.all()]


class CalendarFeedOutputSerializer(serializers.Serializer):
    exists = serializers.BooleanField(help_text="Whether you have a calendar feed URL now.")
    created_at = serializers.DateTimeField(
        allow_null=True, help_text="When the current URL was made; null without one."
    )


class CalendarFeedCreatedOutputSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="Your private calendar address, shown only here: give it to your calendar "
        '("subscribe by URL"). Anyone holding it can read your interview calendar.'
    )
    secret = serializers.CharField(
        help_text="The secret part of `url` (its path segment after /calendar-feeds/), shown "
        "only here; the server keeps only its SHA-256."
    )
    created_at = serializers.DateTimeField()
