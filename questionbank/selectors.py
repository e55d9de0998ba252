from django.db.models import Count, Prefetch, Q, QuerySet

from questionbank.models import Competency, Level, Question, RubricCriterion


def level_list() -> QuerySet[Level]:
    return Level.objects.annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True))
    ).order_by("order", "slug")


def competency_list() -> QuerySet[Competency]:
    return Competency.objects.annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True))
    ).order_by("slug")


def question_list() -> QuerySet[Question]:
    """Questions with their level, competency slugs and active rubric, in three queries."""
    active_rubric = RubricCriterion.objects.filter(is_active=True).order_by("order", "id")
    return (
        Question.objects.select_related("level")
        .prefetch_related(
            Prefetch("competencies", queryset=Competency.objects.only("slug").order_by("slug")),
            Prefetch("criteria", queryset=active_rubric, to_attr="active_criteria"),
        )
        .order_by("level__order", "id")
    )


def question_bank_export() -> dict:
    """The whole bank as a file (docs/QUESTIONBANK_FILE.md): every level, competency and
    question (inactive ones included) with its active rubric. Questions in level order, then
    by slug, so that the same bank always gives the same file. Five queries."""
    return {
        "version": 1,
        "levels": Level.objects.order_by("order", "slug"),
        "competencies": Competency.objects.order_by("slug"),
        "questions": question_list().order_by("level__order", "level_id", "slug"),
    }
