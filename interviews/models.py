from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def empty_loop_balance() -> dict:
    return {"per_level": {}, "competencies_covered": [], "notes": []}


def validate_loop_balance(value) -> None:
    """A loop's `balance` as every reader expects it: `{"per_level": {slug: int},
    "competencies_covered": [slug], "notes": [str]}`. Used by the model (admin forms,
    `full_clean`) and by whatever writes a balance outside the generator."""
    problems = loop_balance_problems(value)
    if problems:
        raise ValidationError(" ".join(problems), code="invalid_balance")


def loop_balance_problems(value) -> list[str]:
    if not isinstance(value, dict):
        return ["The balance must be an object with per_level, competencies_covered and notes."]
    problems = []
    missing = [key for key in ("per_level", "competencies_covered", "notes") if key not in value]
    if missing:
        problems.append(f"The balance lacks {', '.join(missing)}.")
    per_level = value.get("per_level", {})
    if not isinstance(per_level, dict) or not all(
        isinstance(slug, str) and isinstance(n, int) and not isinstance(n, bool) and n >= 0
        for slug, n in per_level.items()
    ):
        problems.append("per_level must map level slugs to whole numbers of at least 0.")
    for key in ("competencies_covered", "notes"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            problems.append(f"{key} must be a list of strings.")
    unknown = sorted(set(value) - {"per_level", "competencies_covered", "notes"})
    if unknown:
        problems.append(f"The balance has unknown keys: {', '.join(unknown)}.")
    return problems


def loop_balance_read(value) -> dict:
    """The balance with every part in its expected shape: a part that is missing or malformed
    (written by hand, by an old command or by an admin) reads as empty, never as an error."""
    value = value if isinstance(value, dict) else {}
    per_level = value.get("per_level")
    competencies = value.get("competencies_covered")
    notes = value.get("notes")
    return {
        "per_level": {
            slug: n
            for slug, n in (per_level.items() if isinstance(per_level, dict) else ())
            if isinstance(slug, str) and isinstance(n, int) and not isinstance(n, bool)
        },
        "competencies_covered": [c for c in competencies if isinstance(c, str)]
        if isinstance(competencies, list)
        else [],
        "notes": [n for n in notes if isinstance(n, str)] if isinstance(notes, list) else [],
    }


class Job(models.Model):
    class Seniority(models.TextChoices):
        JUNIOR = "junior"
        MID = "mid"
        SENIOR = "senior"
        STAFF = "staff"
        PRINCIPAL = "principal"

    title = models.CharField(max_length=200)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, default=Seniority.MID)
    hiring_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs_managed"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class JobTeamMember(models.Model):
    """A user's role on one job's hiring team (API.md additions, Hiring teams).

    The team decides who sees and changes the job, its templates and its loops
    (`interviews.permissions`). The job's `hiring_manager` is always a member with the
    `hiring_manager` role: the services add them when the job is opened or handed over.
    """

    class Role(models.TextChoices):
        HIRING_MANAGER = "hiring_manager"
        RECRUITER = "recruiter"
        COORDINATOR = "coordinator"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_teams"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "user"], name="team_unique_member"),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.role} on job {self.job_id}"


class Candidate(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    external_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # Set once by the erasure (privacy.services.candidate_erase): the row is then a pseudonym,
    # every free text about the candidate reads "[erased]", and no write may change it again.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="candidate_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoopTemplate(models.Model):
    name = models.CharField(max_length=200)
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="loop_templates")
    session_count = models.PositiveSmallIntegerField()
    session_minutes = models.PositiveSmallIntegerField()
    interviewers_per_session = models.PositiveSmallIntegerField(default=1)
    # Loops generated without named interviewers are staffed from this pool (API.md additions,
    # Interviewer pools): its qualified members score, its trainees shadow.
    interviewer_pool = models.ForeignKey(
        "InterviewerPool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loop_templates",
    )
    trainees_per_session = models.PositiveSmallIntegerField(default=0, db_default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trainees_per_session__gte=0) & Q(trainees_per_session__lte=1),
                name="template_trainees_per_session_0_1",
            ),
            models.CheckConstraint(
                condition=Q(session_count__gte=1) & Q(session_count__lte=20),
                name="template_session_count_1_20",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gte=5) & Q(session_minutes__lte=240),
                name="template_session_minutes_5_240",
            ),
            models.CheckConstraint(
                condition=Q(interviewers_per_session__gte=1) & Q(interviewers_per_session__lte=4),
                name="template_interviewers_per_session_1_4",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LevelQuota(models.Model):
    """How many questions of one level a loop built from the template has."""

    template = models.ForeignKey(LoopTemplate, on_delete=models.CASCADE, related_name="quotas")
    level = models.ForeignKey("questionbank.Level", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["template_id", "level__order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "level"], name="quota_unique_level"),
        ]


class Loop(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        SCHEDULED = "scheduled"
        COMPLETED = "completed"
        CANCELLED = "cancelled"

    class Decision(models.TextChoices):
        HIRE = "hire"
        NO_HIRE = "no_hire"

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="loops")
    template = models.ForeignKey(LoopTemplate, on_delete=models.PROTECT, related_name="loops")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    seed = models.BigIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    decision_note = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    balance = models.JSONField(default=empty_loop_balance, validators=[validate_loop_balance])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["candidate", "status"]),
            # Weekly load (a session without a time counts in its loop's creation week) and
            # upcoming load (draft and scheduled loops) are read from these.
            models.Index(fields=["created_at"], name="loop_created_at"),
            models.Index(fields=["status"], name="loop_status"),
        ]

    def __str__(self) -> str:
        return f"Loop {self.pk} for {self.candidate_id}"


class InterviewSession(models.Model):
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="sessions")
    order = models.PositiveSmallIntegerField()
    duration_minutes = models.PositiveSmallIntegerField()
    scheduled_at = models.DateTimeField(null=True, blank=True)
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SessionInterviewer", related_name="interview_sessions"
    )

    class Meta:
        ordering = ["loop_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["loop", "order"], name="session_unique_order"),
        ]
        # Weekly load: the sessions scheduled in a week.
        indexes = [models.Index(fields=["scheduled_at"], name="session_scheduled_at")]


class SessionInterviewer(models.Model):
    """An interviewer of a session; the one with position 1 leads, the others shadow.

    `loop` repeats the session's loop so the database itself forbids an interviewer in two
    sessions of one loop.
    """

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="session_interviewers"
    )
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="+")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["session_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "interviewer"], name="session_unique_interviewer"
            ),
            models.UniqueConstraint(fields=["loop", "interviewer"], name="loop_unique_interviewer"),
        ]
        indexes = [models.Index(fields=["interviewer", "loop"])]


class SessionQuestion(models.Model):
    """A question asked in a session; `loop` is repeated so a loop never asks it twice."""

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="session_questions"
    )
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        "questionbank.Question", on_delete=models.PROTECT, related_name="session_questions"
    )
    order = models.PositiveSmallIntegerField()
    estimated_minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["session_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["loop", "question"], name="loop_unique_question"),
            models.UniqueConstraint(fields=["session", "order"], name="session_question_order"),
        ]


class QuestionExposure(models.Model):
    """How many loops that are not cancelled ask a question: the count of its SessionQuestion
    rows in such loops, kept as a counter so a generation reads it instead of counting the whole
    history. Kept by `interviews.services.exposure` in the transaction of every write that adds,
    swaps or cancels questions (generation, swap, cancellation); a question without a row has
    exposure 0. Writers that bypass those services (bulk imports, synthetic data) call
    `question_exposure_recount` afterwards."""

    question = models.OneToOneField(
        "questionbank.Question",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="exposure",
    )
    loops = models.IntegerField(default=0)


class InterviewerProfile(models.Model):
    """What the planning side keeps about a user who may interview; created on first write
    (a user without one has no weekly limit)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="interviewer_profile",
    )
    weekly_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most sessions a week; empty: no limit.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_limit__isnull=True) | Q(weekly_limit__gte=1),
                name="interviewer_weekly_limit_at_least_1",
            ),
        ]

    def __str__(self) -> str:
        return f"Interviewer profile of {self.user_id}"


class InterviewerPool(models.Model):
    """Interviewers trained for the same kind of session: the levels and competencies it covers
    (none: any), and its members with their training status (API.md additions, Interviewer
    pools). A template that names a pool is staffed from it by the generator."""

    name = models.CharField(max_length=200, unique=True)
    levels = models.ManyToManyField("questionbank.Level", blank=True, related_name="+")
    competencies = models.ManyToManyField("questionbank.Competency", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    """A user's place in a pool. Training goes shadow -> reverse_shadow -> qualified (one step
    per promotion); only qualified members take scoring seats, the others sit as trainees."""

    class Status(models.TextChoices):
        SHADOW = "shadow"
        REVERSE_SHADOW = "reverse_shadow"
        QUALIFIED = "qualified"

    pool = models.ForeignKey(InterviewerPool, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_memberships"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SHADOW)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pool_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "user"], name="pool_unique_member"),
            models.CheckConstraint(
                condition=Q(status__in=["shadow", "reverse_shadow", "qualified"]),
                name="pool_member_status_known",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]


class SessionTrainee(models.Model):
    """A trainee sitting in a session beside its scoring interviewers.

    Kept apart from SessionInterviewer so that nothing that counts scoring seats (a loop's
    completion, the decision, a candidate's scores) ever sees a trainee. `stage` is the
    trainee's status in `pool` when seated (their progress counts read it); `loop` repeats the
    session's loop so the database forbids a trainee in two sessions of one loop.
    """

    class Stage(models.TextChoices):
        SHADOW = "shadow"
        REVERSE_SHADOW = "reverse_shadow"

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="session_trainees"
    )
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="+")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_trainee_rows"
    )
    pool = models.ForeignKey(
        InterviewerPool, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)

    class Meta:
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["loop", "trainee"], name="loop_unique_trainee"),
        ]
        indexes = [models.Index(fields=["trainee", "loop"])]
