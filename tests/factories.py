"""factory_boy factories for every model the tests build, and the builders composed of them
(`rated_session`: a scheduled loop's session with interviewers and a rubric to rate)."""

from dataclasses import dataclass, field
from typing import Any

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from interviews.models import (
    Candidate,
    InterviewSession,
    Job,
    JobTeamMember,
    LevelQuota,
    Loop,
    LoopTemplate,
    SessionInterviewer,
    SessionQuestion,
)
from interviews.services.exposure import question_exposure_asked
from questionbank.models import Competency, Level, Question, RubricCriterion
from scoring.scorecards.models import CriterionRating, Scorecard


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery")


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"level-{n}")
    name = factory.LazyAttribute(lambda lv: lv.slug.replace("-", " ").title())
    order = factory.Sequence(lambda n: n + 1)


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"competency-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    slug = factory.Sequence(lambda n: f"question-{n}")
    level = factory.SubFactory(LevelFactory)
    prompt = factory.Sequence(lambda n: f"How would you approach problem number {n}?")
    hint = factory.Sequence(lambda n: f"A strong answer to problem {n} covers the basics.")
    estimated_minutes = 10


class RubricCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricCriterion

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Covers point {n}")
    weight = 1.0


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job
        skip_postgeneration_save = True

    title = "AI North Star Metric Analyst"
    seniority = Job.Seniority.SENIOR
    hiring_manager = factory.SubFactory(UserFactory)

    @factory.post_generation
    def team(job, create, extracted, **kwargs):
        """The job's hiring manager is on its team, as the job_create service makes it."""
        if create:
            JobTeamMember.objects.get_or_create(
                job=job,
                user=job.hiring_manager,
                defaults={"role": JobTeamMember.Role.HIRING_MANAGER},
            )


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")
    external_id = factory.Sequence(lambda n: f"ext-{n}")


class LoopTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoopTemplate

    name = "Onsite"
    job = factory.SubFactory(JobFactory)
    session_count = 2
    session_minutes = 60
    interviewers_per_session = 1


class LevelQuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelQuota

    template = factory.SubFactory(LoopTemplateFactory)
    level = factory.SubFactory(LevelFactory)
    count = 1


class LoopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loop

    candidate = factory.SubFactory(CandidateFactory)
    template = factory.SubFactory(LoopTemplateFactory)
    status = Loop.Status.SCHEDULED
    seed = 1


class InterviewSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewSession

    loop = factory.SubFactory(LoopFactory)
    order = factory.Sequence(lambda n: n + 1)
    duration_minutes = 60


class SessionInterviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionInterviewer

    session = factory.SubFactory(InterviewSessionFactory)
    loop = factory.LazyAttribute(lambda si: si.session.loop)
    interviewer = factory.SubFactory(UserFactory)
    position = 1


class SessionQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionQuestion
        skip_postgeneration_save = True

    session = factory.SubFactory(InterviewSessionFactory)
    loop = factory.LazyAttribute(lambda sq: sq.session.loop)
    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(lambda n: n + 1)
    estimated_minutes = 10

    @factory.post_generation
    def exposure(obj, create, extracted, **kwargs):
        # Counted as the loop services count it (interviews.services.exposure).
        if create and obj.loop.status != Loop.Status.CANCELLED:
            question_exposure_asked([obj.question_id])


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    session = factory.SubFactory(InterviewSessionFactory)
    loop = factory.LazyAttribute(lambda sc: sc.session.loop)
    interviewer = factory.SubFactory(UserFactory)


class CriterionRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionRating

    scorecard = factory.SubFactory(ScorecardFactory)
    criterion = factory.SubFactory(RubricCriterionFactory)
    rating = 3


# --- builders ----------------------------------------------------------------------------------


@dataclass
class RatedSession:
    """A session of a (scheduled) loop, its interviewers, questions and active criteria."""

    loop: Loop
    session: InterviewSession
    questions: list[Question]
    criteria: list[RubricCriterion] = field(default_factory=list)

    def ratings(self, rating: int = 3) -> list[dict[str, Any]]:
        return [{"criterion": c.pk, "rating": rating, "note": ""} for c in self.criteria]

    def body(self, *, submit: bool = True, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "session": self.session.pk,
            "overall_recommendation": "yes",
            "summary": "Clear reasoning about metrics.",
            "ratings": self.ratings(),
            "submit": submit,
        }
        body.update(overrides)
        return body


def rated_session(
    *,
    interviewers: list[User],
    loop: Loop | None = None,
    questions: int = 2,
    criteria_per_question: int = 2,
) -> RatedSession:
    loop = loop or LoopFactory()
    session = InterviewSessionFactory(loop=loop)
    for position, user in enumerate(interviewers, start=1):
        SessionInterviewerFactory(session=session, interviewer=user, position=position)
    plan = RatedSession(loop=loop, session=session, questions=[])
    for _ in range(questions):
        question = QuestionFactory()
        SessionQuestionFactory(session=session, question=question)
        plan.questions.append(question)
        for order in range(1, criteria_per_question + 1):
            plan.criteria.append(RubricCriterionFactory(question=question, order=order))
    return plan


def scorecard_in(
    plan: RatedSession, *, interviewer: User, submitted: bool, rating: int = 3
) -> Scorecard:
    """A scorecard written straight to the database (for read tests)."""
    scorecard = Scorecard.objects.create(
        session=plan.session,
        loop=plan.loop,
        interviewer=interviewer,
        status=Scorecard.Status.SUBMITTED if submitted else Scorecard.Status.DRAFT,
        overall_recommendation="yes" if submitted else "",
        submitted_at=timezone.now() if submitted else None,
    )
    CriterionRating.objects.bulk_create(
        CriterionRating(scorecard=scorecard, criterion=c, rating=rating) for c in plan.criteria
    )
    return scorecard
