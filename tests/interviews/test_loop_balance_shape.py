"""A loop's `balance` is JSON that a script or an admin may have written in any shape: it is
validated where it is written and read defensively, so every read answers without a 5xx."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import JSONField, Value

from interviews.models import Loop, empty_loop_balance, validate_loop_balance
from tests.factories import LoopFactory, SessionInterviewerFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "per_level": {"beginner": 1, "advanced": 2},
    "competencies_covered": ["causal-inference"],
    "notes": ["A note."],
}

MALFORMED = [
    {},
    {"per_level": 3},
    {"per_level": {"beginner": "two"}, "competencies_covered": "all", "notes": [1, None]},
    {"competencies_covered": [["nested"]], "notes": "just text"},
    [],
    "balanced",
    None,
    7,
]
EMPTY_PARTS = {"per_level": {}, "competencies_covered": [], "notes": []}


def _loop_with_balance(balance, interviewer, hiring_manager):
    loop = LoopFactory(template__job__hiring_manager=hiring_manager)  # a loop of Hannah's job
    SessionInterviewerFactory(session__loop=loop, interviewer=interviewer)
    # Written straight to the table, as a script or the Django shell would.
    # (None is JSON null here, not SQL NULL, which the column refuses.)
    Loop.objects.filter(pk=loop.pk).update(
        balance=Value(None, JSONField()) if balance is None else balance
    )
    return loop


@pytest.mark.parametrize("balance", MALFORMED, ids=repr)
def test_a_malformed_balance_reads_as_empty_parts(client_for, hiring_manager, interviewer, balance):
    loop = _loop_with_balance(balance, interviewer, hiring_manager)

    for who in (hiring_manager, interviewer):
        listed = client_for(who).get("/api/v1/loops/")
        assert listed.status_code == 200, listed.content
        assert listed.json()["results"][0]["balance"] == EMPTY_PARTS
        detail = client_for(who).get(f"/api/v1/loops/{loop.pk}/")
        assert detail.status_code == 200, detail.content
        assert detail.json()["balance"] == EMPTY_PARTS


def test_the_good_parts_of_a_partly_broken_balance_are_kept(
    client_for, hiring_manager, interviewer
):
    loop = _loop_with_balance(
        {**GOOD, "per_level": {"beginner": 1, "advanced": "2"}}, interviewer, hiring_manager
    )

    body = client_for(hiring_manager).get(f"/api/v1/loops/{loop.pk}/").json()

    assert body["balance"] == {**GOOD, "per_level": {"beginner": 1}}


def test_a_new_loop_without_a_balance_has_every_part():
    assert LoopFactory().balance == EMPTY_PARTS
    assert empty_loop_balance() is not empty_loop_balance()


def test_a_well_formed_balance_passes_the_validator():
    validate_loop_balance(GOOD)
    validate_loop_balance(EMPTY_PARTS)


@pytest.mark.parametrize(
    "balance",
    [*MALFORMED, {**GOOD, "per_level": {"beginner": -1}}, {**GOOD, "extra": 1}],
    ids=repr,
)
def test_a_malformed_balance_fails_model_validation(balance):
    loop = LoopFactory()
    loop.balance = balance
    with pytest.raises(ValidationError) as caught:
        loop.full_clean()
    assert "balance" in caught.value.message_dict


def test_the_admin_loop_page_shows_a_malformed_balance(
    client, admin_user, interviewer, hiring_manager
):
    loop = _loop_with_balance({"per_level": 3}, interviewer, hiring_manager)
    admin_user.is_superuser = True  # the Django admin asks for model permissions
    admin_user.save()
    client.force_login(admin_user)
    assert client.get(f"/admin/interviews/loop/{loop.pk}/change/").status_code == 200
    assert client.get("/admin/interviews/loop/").status_code == 200
