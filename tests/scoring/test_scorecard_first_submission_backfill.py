"""The migration that keeps first submissions apart fills rows written before it existed."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from scoring.scorecards.models import CriterionRating, Scorecard, ScorecardRevision
from tests.factories import RubricCriterionFactory, rated_session, scorecard_in

pytestmark = pytest.mark.django_db

migration = importlib.import_module("scoring.migrations.0002_blind_feedback_first_submission")


def _as_before_the_migration() -> None:
    Scorecard.objects.update(
        first_recommendation="", author_could_read_peers=False, amended_after_peer_view=False
    )
    CriterionRating.objects.update(first_rating=None, in_first_submission=True, withdrawn=False)
    ScorecardRevision.objects.update(author_could_read_peers=False)


def test_backfill_recovers_first_submissions_and_peer_views(
    interviewer, other_interviewer, hiring_manager
):
    ivan = rated_session(interviewers=[interviewer], questions=1, criteria_per_question=2)
    olga = rated_session(interviewers=[other_interviewer], loop=ivan.loop, questions=1)
    hank = rated_session(interviewers=[hiring_manager], loop=ivan.loop, questions=1)
    now = timezone.now()
    olga_card = scorecard_in(olga, interviewer=other_interviewer, submitted=True)
    Scorecard.objects.filter(pk=olga_card.pk).update(submitted_at=now - dt.timedelta(hours=3))
    # Ivan's card as amended before the columns existed: c1 4 -> 1, c2 (2) dropped, c3 added.
    c1, c2 = ivan.criteria
    c3 = RubricCriterionFactory(question=ivan.questions[0], order=9)
    card = Scorecard.objects.create(
        session=ivan.session,
        loop=ivan.loop,
        interviewer=interviewer,
        status="submitted",
        overall_recommendation="no",
        submitted_at=now - dt.timedelta(hours=4),
        revision=3,
    )
    CriterionRating.objects.create(scorecard=card, criterion=c1, rating=1)
    CriterionRating.objects.create(scorecard=card, criterion=c3, rating=0)
    for revision, recommendation, ratings in (
        (1, "strong_yes", [(c1, 4), (c2, 2)]),
        (2, "yes", [(c1, 2), (c2, 2)]),
    ):
        ScorecardRevision.objects.create(
            scorecard=card,
            revision=revision,
            amended_by=interviewer,
            amended_at=now - dt.timedelta(hours=4 - revision),
            reason="old",
            previous={
                "overall_recommendation": recommendation,
                "summary": "",
                "ratings": [
                    {"criterion": c.pk, "question": c.question_id, "rating": r, "note": ""}
                    for c, r in ratings
                ],
            },
        )
    # A hiring manager who interviewed could read Olga's card before submitting (the old rule).
    hank_card = scorecard_in(hank, interviewer=hiring_manager, submitted=True)
    _as_before_the_migration()

    migration.backfill(apps, connection.schema_editor())

    card.refresh_from_db()
    assert card.first_recommendation == "strong_yes"
    assert card.amended_after_peer_view is True
    rows = {
        r.criterion_id: (r.rating, r.first_rating, r.in_first_submission, r.withdrawn)
        for r in CriterionRating.objects.filter(scorecard=card)
    }
    assert rows == {
        c1.pk: (1, 4, True, False),
        c2.pk: (2, 2, True, True),
        c3.pk: (0, None, False, False),
    }
    # Revision 1 was made at -3 h, when Olga's card (-3 h) was in: readable; so was revision 2.
    assert list(
        ScorecardRevision.objects.order_by("revision").values_list(
            "author_could_read_peers", flat=True
        )
    ) == [True, True]
    flags = dict(Scorecard.objects.values_list("pk", "author_could_read_peers"))
    assert flags == {olga_card.pk: False, card.pk: False, hank_card.pk: True}
