"""The report's `result.trainees` (API.md additions, Interviewer pools): trainees' shadow question
scores against the qualified panel of the same sessions, computed with numpy from arrays that
the report's bulk loader reads in the main statistics' snapshot. Checked against hand-computed
examples, and against the plain-Python statistic and the ORM reading it replaced
(tests/scoring/trainee_reference.py) on random data."""

import datetime as dt
from collections import Counter

import numpy as np
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.models import Job
from scoring.calibration.trainees import TraineeInputs, trainee_calibration
from scoring.reports import selectors
from scoring.reports.selectors import CalibrationScope, calibration_report_inputs_load
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.scoring.trainee_reference import (
    RatingRow,
    trainee_calibration_reference,
    trainee_rows_orm,
)

# --- the statistic on hand-computed examples ---------------------------------------------------


def test_severity_agreement_and_sessions_of_three_trainees():
    """Session 1: the panel scores question 10 at 3 (ratings 4 and 2) and 2 (one rating 2
    weighted 2): mean 2.5; question 20 only card 1, at 1. Tina (card 3) scores 3 and 3:
    d = +0.5 and +2. Session 2: the panel (card 4) scores question 10 at 0; Tina 1 (d = +1,
    adjacent: within one point), Anna 4 (d = +4); question 30 has no panel. Session 3: user 902
    rates question 10, the panel only question 20: no comparison.
    Tina: severity (0.5 + 2 + 1) / 3 = 7/6, agreement 2/3, 2 sessions; Anna: 4, 0, 1 session;
    902 has no username (listed by id, first: digits sort before letters) and no statistics."""
    rows = [
        RatingRow(1, 101, 1, 10, 4, 1.0, False),
        RatingRow(1, 101, 1, 10, 2, 1.0, False),
        RatingRow(2, 102, 1, 10, 2, 2.0, False),
        RatingRow(1, 101, 1, 20, 1, 1.0, False),
        RatingRow(3, 900, 1, 10, 3, 1.0, True),
        RatingRow(3, 900, 1, 20, 3, 1.0, True),
        RatingRow(4, 101, 2, 10, 0, 1.5, False),
        RatingRow(5, 900, 2, 10, 1, 1.0, True),
        RatingRow(5, 900, 2, 30, 2, 1.0, True),
        RatingRow(6, 901, 2, 10, 4, 1.0, True),
        RatingRow(7, 902, 3, 10, 2, 1.0, True),
        RatingRow(8, 102, 3, 20, 3, 1.0, False),
    ]
    usernames = {900: "tina", 901: "anna"}

    result = trainee_calibration(TraineeInputs.from_rows(rows, usernames))

    assert [row["username"] for row in result] == ["902", "anna", "tina"]
    assert result[0] == {
        "interviewer": 902,
        "username": "902",
        "sessions": 0,
        "comparisons": 0,
        "severity": None,
        "agreement": None,
    }
    assert result[1] == {
        "interviewer": 901,
        "username": "anna",
        "sessions": 1,
        "comparisons": 1,
        "severity": 4.0,
        "agreement": 0.0,
    }
    tina = result[2]
    assert (tina["interviewer"], tina["sessions"], tina["comparisons"]) == (900, 2, 3)
    assert tina["severity"] == pytest.approx(7 / 6)
    assert tina["agreement"] == pytest.approx(2 / 3)


def test_exactly_one_point_from_the_panel_is_adjacent_whatever_the_rounding():
    """The trainee scores 7/3 (ratings 3, 2, 2), the panel 4/3 (ratings 2, 1, 1): d is exactly
    1 point, adjacent by the rule |d| <= 1, though 7/3 - 4/3 is 1.0000000000000002 in floats."""
    rows = [
        RatingRow(1, 101, 1, 10, 2, 1.0, False),
        RatingRow(1, 101, 1, 10, 1, 1.0, False),
        RatingRow(1, 101, 1, 10, 1, 1.0, False),
        RatingRow(2, 900, 1, 10, 3, 1.0, True),
        RatingRow(2, 900, 1, 10, 2, 1.0, True),
        RatingRow(2, 900, 1, 10, 2, 1.0, True),
    ]
    assert 7 / 3 - 4 / 3 > 1.0  # the rounding this test is about

    (trainee,) = trainee_calibration(TraineeInputs.from_rows(rows, {900: "tina"}))

    assert trainee["agreement"] == 1.0
    assert trainee["severity"] == pytest.approx(1.0)


def test_a_panel_of_three_is_averaged_and_ties_in_username_go_by_id():
    # Panel 1, 2 and 4 on question 10: mean 7/3; both trainees rate 3: d = 2/3 each.
    rows = [RatingRow(card, 100 + card, 1, 10, r, 1.0, False) for card, r in ((1, 1), (2, 2))]
    rows += [
        RatingRow(3, 103, 1, 10, 4, 1.0, False),
        RatingRow(9, 951, 1, 10, 3, 1.0, True),
        RatingRow(8, 950, 1, 10, 3, 1.0, True),
    ]
    result = trainee_calibration(TraineeInputs.from_rows(rows, {950: "sam", 951: "sam"}))
    assert [row["interviewer"] for row in result] == [950, 951]
    assert [row["severity"] for row in result] == pytest.approx([2 / 3, 2 / 3])
    assert [row["agreement"] for row in result] == [1.0, 1.0]


def test_no_shadow_scorecard_no_trainee():
    assert trainee_calibration(TraineeInputs.from_rows([])) == []
    panel_only = [RatingRow(1, 101, 1, 10, 3, 1.0, False)]
    assert trainee_calibration(TraineeInputs.from_rows(panel_only)) == []


def test_misaligned_inputs_are_refused():
    with pytest.raises(ValueError, match="aligned"):
        TraineeInputs(
            card=[0, 0],
            question=[1],
            rating=[1.0, 2.0],
            weight=[1.0, 1.0],
            card_interviewer=[1],
            card_session=[1],
            card_shadow=[True],
        )
    with pytest.raises(ValueError, match="index the scorecard"):
        TraineeInputs(
            card=[1],
            question=[1],
            rating=[1.0],
            weight=[1.0],
            card_interviewer=[1],
            card_session=[1],
            card_shadow=[True],
        )


# --- the statistic against the plain-Python reference ------------------------------------------

# Ids from small to far apart (the dense and the sorted ranking paths of the grouping).
SESSIONS = st.sampled_from([1, 2, 3, 10**9])
QUESTIONS = st.sampled_from([10, 20, 30, 10**12])
PEOPLE = st.sampled_from([5, 6, 7, 900, 901, 2**40])
WEIGHTS = st.sampled_from([0.5, 1.0, 1.5, 2.0]) | st.floats(0.01, 100.0)


@st.composite
def comparison_rows(draw) -> list[RatingRow]:
    cards = draw(
        st.lists(st.tuples(PEOPLE, SESSIONS, st.booleans()), min_size=1, max_size=14, unique=True)
    )
    rows = []
    for card, (interviewer, session, shadow) in enumerate(cards):
        rated = draw(
            st.lists(st.tuples(QUESTIONS, st.integers(0, 4), WEIGHTS), min_size=1, max_size=5)
        )
        rows += [RatingRow(card, interviewer, session, *rating, shadow) for rating in rated]
    return draw(st.permutations(rows))


@settings(max_examples=300, deadline=None)
@given(rows=comparison_rows(), named=st.sets(PEOPLE))
def test_numpy_agrees_with_the_reference_on_random_comparisons(rows, named):
    usernames = {person: f"user{person % 7}" for person in named}
    expected = trainee_calibration_reference(rows, usernames)
    # Same floats to the last bit: every sum adds the same terms in the same order.
    assert trainee_calibration(TraineeInputs.from_rows(rows, usernames)) == expected


def test_numpy_agrees_with_the_reference_on_a_large_sample():
    rng = np.random.default_rng(20261130)
    rows = []
    for card in range(3000):
        session = int(rng.integers(0, 900))
        shadow = bool(rng.random() < 0.3)
        interviewer = int(rng.integers(0, 40)) + (10_000 if shadow else 0)
        for question in rng.choice(12, size=int(rng.integers(1, 4)), replace=False).tolist():
            for _ in range(int(rng.integers(1, 4))):
                rating = int(rng.integers(0, 5))
                weight = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
                rows.append(RatingRow(card, interviewer, session, question, rating, weight, shadow))
    rng.shuffle(rows)
    usernames = {10_000 + t: f"trainee{t:02d}" for t in range(40)}

    result = trainee_calibration(TraineeInputs.from_rows(rows, usernames))

    assert len(result) == 40 and sum(row["comparisons"] for row in result) > 500
    assert result == trainee_calibration_reference(rows, usernames)


# --- the bulk loader against the ORM -----------------------------------------------------------


def _trained_data(seed: int) -> None:
    call_command(
        "generate_synthetic_data",
        candidates=30,
        interviewers=10,
        seed=seed,
        trainee_share=0.6,
        trainees=4,
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - closed with the process
    )


def _loaded_rows(inputs: TraineeInputs) -> Counter:
    """The loaded ratings as (interviewer, session, question, rating, weight, shadow): the
    scorecard is its (interviewer, session), unique."""
    card = inputs.card
    return Counter(
        zip(
            inputs.card_interviewer[card].tolist(),
            inputs.card_session[card].tolist(),
            inputs.question.tolist(),
            inputs.rating.tolist(),
            inputs.weight.tolist(),
            inputs.card_shadow[card].tolist(),
            strict=True,
        )
    )


def _orm_rows(scope: CalibrationScope) -> Counter:
    rows, _ = trainee_rows_orm(scope)
    return Counter(
        (r.interviewer, r.session, r.question, float(r.rating), r.weight, r.shadow) for r in rows
    )


def _amend_some_rows() -> None:
    """What amendments and drafts leave behind: first ratings kept apart, ratings added by an
    amendment, a shadow scorecard and a qualified one back to draft."""
    shadow = Scorecard.objects.filter(shadow=True).order_by("id")
    qualified = Scorecard.objects.filter(shadow=False, session__in=shadow.values("session"))
    changed = CriterionRating.objects.filter(scorecard__in=list(shadow[:3]) + list(qualified[:3]))
    for rating in changed:
        rating.first_rating, rating.rating = rating.rating, (rating.rating + 2) % 5
        rating.save(update_fields=["first_rating", "rating"])
    CriterionRating.objects.filter(scorecard__in=shadow[3:5]).update(in_first_submission=False)
    Scorecard.objects.filter(pk__in=[shadow[5].pk, qualified[5].pk]).update(status="draft")


@pytest.mark.django_db
def test_the_bulk_loader_reads_what_the_orm_reads():
    _trained_data(seed=41)
    _amend_some_rows()
    job = Job.objects.order_by("id").first()
    middle = Scorecard.objects.filter(shadow=True).order_by("submitted_at")
    middle = middle[middle.count() // 2].submitted_at.date()
    scopes = [
        CalibrationScope(),
        CalibrationScope(job=job.pk),
        CalibrationScope(jobs=(job.pk,)),
        CalibrationScope(jobs=()),
        CalibrationScope(since=middle),
        CalibrationScope(until=middle, interviewers=(1,), questions=(1,)),
    ]
    for scope in scopes:
        _, trainees = calibration_report_inputs_load(scope=scope)
        expected = _orm_rows(scope)
        assert _loaded_rows(trainees) == expected, scope
        _, usernames = trainee_rows_orm(scope)
        assert trainees.usernames == usernames
    assert len(_orm_rows(CalibrationScope())) > 200
    assert (
        0
        < sum(_orm_rows(CalibrationScope(since=middle)).values())
        < sum(_orm_rows(CalibrationScope()).values())
    )


@pytest.mark.django_db
def test_the_report_s_trainees_are_the_reference_s():
    _trained_data(seed=43)
    _amend_some_rows()
    scope = CalibrationScope()
    _, trainees = calibration_report_inputs_load(scope=scope)

    found = trainee_calibration(trainees)

    expected = trainee_calibration_reference(*trainee_rows_orm(scope))
    assert len(found) == 4
    assert [row["interviewer"] for row in found] == [row["interviewer"] for row in expected]
    for got, want in zip(found, expected, strict=True):
        assert got == {**want, "severity": pytest.approx(want["severity"], abs=1e-12)}


@pytest.mark.django_db(transaction=True)
def test_the_trainees_are_read_in_the_snapshot_of_the_main_statistics(monkeypatch):
    """A submission committed while the report loads is in neither part or in both: here the
    shadow ratings are deleted (and committed) by another client after the main scorecards were
    read, just before the trainees' statements run; the loader still sees them."""
    _trained_data(seed=45)
    before = _orm_rows(CalibrationScope())
    load = selectors._trainees_load

    def delete_then_load(*args, **kwargs):
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            deleted = other.execute(
                f"DELETE FROM {CriterionRating._meta.db_table} WHERE scorecard_id IN "
                f"(SELECT id FROM {Scorecard._meta.db_table} WHERE shadow)"
            ).rowcount
        assert deleted > 0
        return load(*args, **kwargs)

    monkeypatch.setattr(selectors, "_trainees_load", delete_then_load)
    assert not connection.in_atomic_block
    _, trainees = calibration_report_inputs_load(scope=CalibrationScope())

    assert _loaded_rows(trainees) == before
    assert not any(shadow for *_, shadow in _orm_rows(CalibrationScope()))


@pytest.mark.django_db(transaction=True)
def test_one_and_two_connections_load_the_same_trainees():
    _trained_data(seed=47)
    two_connections = calibration_report_inputs_load(scope=CalibrationScope())
    with transaction.atomic():
        one_connection = calibration_report_inputs_load(scope=CalibrationScope())

    assert _loaded_rows(two_connections[1]) == _loaded_rows(one_connection[1])
    assert two_connections[1].card_shadow.any()
    assert two_connections[0].rating.tolist() == one_connection[0].rating.tolist()
    # The main arrays and their usernames hold no trainee.
    trainee_ids = set(two_connections[1].usernames)
    assert trainee_ids and not trainee_ids & set(two_connections[0].interviewer_usernames)
    assert not trainee_ids & set(two_connections[0].card_interviewer.tolist())


@pytest.mark.django_db
def test_a_scope_s_dates_and_interviewers_bound_the_shadow_scorecards_not_their_panel():
    """A qualified scorecard submitted after `until`, in a session whose shadow scorecard is
    before it, still forms the trainee's panel; so does a panel member the scope's
    `interviewers` leave out. Without any shadow scorecard in scope nothing is read."""
    _trained_data(seed=49)
    shadow = Scorecard.objects.filter(shadow=True).order_by("submitted_at").first()
    late = Scorecard.objects.filter(session=shadow.session, shadow=False).first()
    late.submitted_at = shadow.submitted_at + dt.timedelta(days=400)
    late.save(update_fields=["submitted_at"])
    scope = CalibrationScope(
        until=shadow.submitted_at.date(), interviewers=(shadow.interviewer_id,)
    )

    _, trainees = calibration_report_inputs_load(scope=scope)

    loaded = _loaded_rows(trainees)
    assert loaded == _orm_rows(scope)
    assert (late.interviewer_id, late.session_id) in {row[:2] for row in loaded}
    early = CalibrationScope(until=shadow.submitted_at.date() - dt.timedelta(days=1))
    shadows_before = Scorecard.objects.filter(
        shadow=True, submitted_at__lt=shadow.submitted_at.replace(hour=0, minute=0, second=0)
    )
    assert not shadows_before.exists()
    _, nothing = calibration_report_inputs_load(scope=early)
    assert nothing.rating.size == 0 and nothing.card_shadow.size == 0
    assert trainee_calibration(nothing) == []
