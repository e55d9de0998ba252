"""An attacker's pass over the admin site's loop page: a staff user with Django's
`interviews.change_loop` permission rewrites a decision that the API says is final, and puts it
in another person's name (`decided_by`), with no audit entry (API.md: the decision is
`POST /loops/{id}/decision/`, recorded with its author; a second one is a 409)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from interviews.models import Loop
from tests.factories import LoopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    staff = UserFactory(username="stella_staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="interviews", codename__in=["view_loop", "change_loop"]
        )
    )
    client = Client()
    client.force_login(staff)
    return client


def _form(loop: Loop, **overrides) -> dict:
    form = {
        "candidate": loop.candidate_id,
        "template": loop.template_id,
        "status": loop.status,
        "decision": loop.decision,
        "decision_note": loop.decision_note,
        "decided_by": loop.decided_by_id or "",
        "decided_at_0": loop.decided_at.strftime("%Y-%m-%d") if loop.decided_at else "",
        "decided_at_1": loop.decided_at.strftime("%H:%M:%S") if loop.decided_at else "",
        "created_by": loop.created_by_id or "",
        "created_at_0": loop.created_at.strftime("%Y-%m-%d"),
        "created_at_1": loop.created_at.strftime("%H:%M:%S"),
        "updated_at_0": loop.updated_at.strftime("%Y-%m-%d"),
        "updated_at_1": loop.updated_at.strftime("%H:%M:%S"),
        "sessions-TOTAL_FORMS": 0,
        "sessions-INITIAL_FORMS": 0,
        "sessions-MIN_NUM_FORMS": 0,
        "sessions-MAX_NUM_FORMS": 1000,
    }
    form.update(overrides)
    return form


def test_staff_cannot_rewrite_a_final_decision_in_someone_elses_name(site, hiring_manager):
    decider = UserFactory(username="dora_decider")
    loop = LoopFactory(
        status="completed",
        decision="no_hire",
        decision_note="Not this time.",
        decided_by=decider,
        decided_at=timezone.now(),
    )

    response = site.post(
        f"/admin/interviews/loop/{loop.pk}/change/",
        _form(loop, decision="hire", decision_note="Strong yes.", decided_by=hiring_manager.pk),
    )

    assert response.status_code == 302, response.content[:3000]
    loop.refresh_from_db()
    assert (loop.decision, loop.decision_note, loop.decided_by_id) == (
        "no_hire",
        "Not this time.",
        decider.pk,
    )


def test_staff_cannot_decide_an_undecided_loop_on_the_site(site, hiring_manager):
    loop = LoopFactory(status="completed")

    site.post(
        f"/admin/interviews/loop/{loop.pk}/change/",
        _form(loop, decision="hire", decided_by=hiring_manager.pk),
    )

    loop.refresh_from_db()
    assert (loop.decision, loop.decided_by_id) == ("", None)


def test_staff_still_edits_what_the_page_is_for(site):
    loop = LoopFactory(status="scheduled")

    response = site.post(
        f"/admin/interviews/loop/{loop.pk}/change/", _form(loop, status="cancelled")
    )

    assert response.status_code == 302, response.content[:3000]
    assert Loop.objects.get(pk=loop.pk).status == "cancelled"
