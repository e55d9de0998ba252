"""manage.py generate_synthetic_data --trainee-share: trainees in a pool, seated in that share of
sessions with a shadow scorecard and a planted severity the report's `result.trainees` recovers;
without the option the data set is exactly what it was before trainees existed."""

import json

import pytest
from django.core.management import CommandError, call_command
from scipy.stats import spearmanr

from interviews.models import Loop, PoolMember, SessionTrainee
from scoring.scorecards.models import CriterionRating, Scorecard
from tests.scoring.calibration_report_helpers import succeeded_report
from tests.scoring.synthetic_fingerprint import synthetic_digest, synthetic_rows

pytestmark = pytest.mark.django_db

# `synthetic_digest("synth4")` of `generate_synthetic_data --candidates 40 --interviewers 12
# --seed 4` as written by commit f3f59e4, the generator before --trainee-share (computed with
# that commit's code on a fresh database). Change it only when the data set is meant to change.
DIGEST_BEFORE_TRAINEES = "59ccd1b0d4aed42008f0158a66b0bf96dff475f16a486768fb546c655336007d"


def _generate(**options):
    call_command(
        "generate_synthetic_data",
        stdout=open("/dev/null", "w"),  # noqa: SIM115 - closed with the process
        **options,
    )


def test_without_trainees_the_data_set_is_the_one_written_before_the_option():
    _generate(candidates=40, interviewers=12, seed=4)

    assert synthetic_digest("synth4") == DIGEST_BEFORE_TRAINEES
    assert not SessionTrainee.objects.exists()
    assert not PoolMember.objects.exists()
    assert not Scorecard.objects.filter(shadow=True).exists()


def test_trainees_add_rows_and_change_none_of_the_others():
    _generate(candidates=40, interviewers=12, seed=4, prefix="plain")
    _generate(candidates=40, interviewers=12, seed=4, prefix="trained", trainee_share=0.4)

    plain = synthetic_rows("plain")
    trained = synthetic_rows("trained")
    assert trained.pop("trainee_seats")
    assert not plain.pop("trainee_seats")
    trainees = [name for name in trained.pop("users") if "-trainee-" in name]
    assert len(trainees) == 4  # a tenth of 12 interviewers, at least one per session of a loop
    assert [name for name in plain.pop("users") if "-trainee-" in name] == []
    assert repr(plain).replace("plain", "P") == repr(trained).replace("trained", "P")


def test_a_trainee_shadows_a_share_of_sessions_with_the_panel_s_criteria(tmp_path):
    path = tmp_path / "planted.json"
    _generate(
        candidates=60, interviewers=12, seed=8, trainee_share=0.5, trainees=5, planted_json=path
    )
    planted = json.loads(path.read_text())["trainees"]

    seats = list(SessionTrainee.objects.values_list("session", "trainee", "stage", "pool"))
    assert 0.35 * 240 < len(seats) < 0.65 * 240  # 60 loops of 4 sessions, half with a trainee
    assert planted["shadow_scorecards"] == len(seats)
    shadow = Scorecard.objects.filter(shadow=True)
    assert sorted(shadow.values_list("session", "interviewer")) == sorted(
        (session, trainee) for session, trainee, _, _ in seats
    )
    assert set(shadow.values_list("status", flat=True)) == {"submitted"}
    # Each trainee is a member of the pool in the stage their seats name, never qualified.
    members = dict(PoolMember.objects.exclude(status="qualified").values_list("user", "status"))
    assert len(members) == 5
    assert {(trainee, stage) for _, trainee, stage, _ in seats} <= set(members.items())
    assert {pool for *_, pool in seats} == {planted["pool"]}
    # A shadow scorecard rates exactly the criteria its session's interviewers rate.
    for card in shadow.select_related("session")[:20]:
        rated = set(
            CriterionRating.objects.filter(scorecard=card).values_list("criterion", flat=True)
        )
        panel = Scorecard.objects.filter(session=card.session, shadow=False)
        assert panel.exists()
        for peer in panel:
            assert rated == set(peer.ratings.values_list("criterion", flat=True))
    shadow_ratings = CriterionRating.objects.filter(scorecard__shadow=True).count()
    assert planted["shadow_ratings"] == shadow_ratings
    # Trainees never gate a loop: every loop is completed and decided as without them.
    assert set(Loop.objects.values_list("status", flat=True)) == {"completed"}


def test_the_report_recovers_the_planted_trainee_severities(tmp_path, recruiter, client_for):
    path = tmp_path / "planted.json"
    _generate(
        candidates=200, interviewers=16, seed=13, trainee_share=0.6, trainees=8, planted_json=path
    )
    planted = json.loads(path.read_text())

    result = succeeded_report(client_for(recruiter)).result

    assert result["summary"]["ratings"] == planted["counts"]["ratings"]  # shadows left out
    trainees = result["trainees"]
    assert len(trainees) == 8
    assert (
        sum(row["comparisons"] for row in trainees) == 2 * planted["trainees"]["shadow_scorecards"]
    )
    # The report's severity is negative for a harsh trainee; the planted one positive.
    truth = [-planted["trainees"]["severity"][str(row["interviewer"])] for row in trainees]
    found = [row["severity"] for row in trainees]
    assert spearmanr(truth, found).statistic > 0.9
    # Rounding and the 0..4 clip pull the found values toward 0, never across it.
    assert all(t * f > 0 for t, f in zip(truth, found, strict=True) if abs(t) > 0.3)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trainee_share": 1.5}, "--trainee-share must lie between 0 and 1"),
        ({"trainee_share": -0.1}, "--trainee-share must lie between 0 and 1"),
        ({"trainee_share": 0.3, "trainees": 3}, "--trainees must be at least 4"),
    ],
)
def test_refuses_a_trainee_share_or_count_it_cannot_write(options, message):
    with pytest.raises(CommandError, match=message):
        _generate(candidates=5, interviewers=8, seed=1, **options)
    assert not Scorecard.objects.exists()
