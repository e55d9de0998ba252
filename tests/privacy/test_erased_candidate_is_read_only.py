"""Once erased, nothing more is written about a candidate: every write that could carry text
about them is a 409 naming them (code candidate_erased)."""

import pytest
from django.forms import MultiWidget

from interviews.models import SessionTrainee
from privacy.services import candidate_erase
from scoring.scorecards.models import Scorecard
from tests.factories import CandidateFactory, LoopFactory, LoopTemplateFactory, rated_session

pytestmark = pytest.mark.django_db


def _erased(candidate, admin_user):
    return candidate_erase(actor=admin_user, candidate_id=candidate.pk, reason="Asked.")


def _assert_refused(response, field: str) -> None:
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "candidate_erased"
    assert field in body["fields"]


def test_an_erased_candidate_cannot_be_changed(client_for, admin_user, recruiter):
    candidate = _erased(CandidateFactory(), admin_user)

    response = client_for(recruiter).patch(
        f"/api/v1/candidates/{candidate.pk}/", {"name": "Back again"}, format="json"
    )

    _assert_refused(response, "id")
    candidate.refresh_from_db()
    assert candidate.name == f"Erased candidate {candidate.pk}"


def test_an_erased_candidate_gets_no_new_loop(client_for, admin_user, interviewer):
    candidate = _erased(CandidateFactory(), admin_user)
    template = LoopTemplateFactory()

    response = client_for(admin_user).post(
        "/api/v1/loops/",
        {"candidate": candidate.pk, "template": template.pk, "interviewers": [interviewer.pk]},
        format="json",
    )

    _assert_refused(response, "candidate")
    assert "erased" in response.json()["message"]


def test_no_scorecard_is_written_or_amended_for_an_erased_candidate(
    client_for, admin_user, interviewer, other_interviewer
):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    other = rated_session(interviewers=[other_interviewer], loop=loop)
    client = client_for(interviewer)
    draft = client.post("/api/v1/scorecards/", plan.body(submit=False), format="json").json()
    submitted = client_for(other_interviewer).post(
        "/api/v1/scorecards/", other.body(), format="json"
    )
    assert submitted.status_code == 201
    _erased(loop.candidate, admin_user)

    _assert_refused(
        client.patch(f"/api/v1/scorecards/{draft['id']}/", {"summary": "new"}, format="json"),
        "session",
    )
    _assert_refused(client.post(f"/api/v1/scorecards/{draft['id']}/submit/"), "session")
    _assert_refused(
        client_for(other_interviewer).post(
            f"/api/v1/scorecards/{submitted.json()['id']}/amend/",
            {"reason": "More to say", "summary": "More text"},
            format="json",
        ),
        "session",
    )
    assert set(Scorecard.objects.values_list("summary", flat=True)) == {"[erased]"}


def test_no_draft_is_created_for_an_erased_candidate(client_for, admin_user, interviewer):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    _erased(loop.candidate, admin_user)

    response = client_for(interviewer).post(
        "/api/v1/scorecards/",
        plan.body(submit=False, summary="A new text about them"),
        format="json",
    )

    _assert_refused(response, "session")
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
def test_no_shadow_scorecard_is_created_for_an_erased_candidate(
    submit, client_for, admin_user, interviewer, other_interviewer
):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    SessionTrainee.objects.create(
        session=plan.session, loop=loop, trainee=other_interviewer, stage="shadow"
    )
    _erased(loop.candidate, admin_user)

    response = client_for(other_interviewer).post(
        "/api/v1/scorecards/", plan.body(submit=submit), format="json"
    )

    _assert_refused(response, "session")
    assert not Scorecard.objects.exists()


def test_an_erased_candidates_loop_is_not_decided(client_for, admin_user, interviewer):
    loop = LoopFactory()
    plan = rated_session(interviewers=[interviewer], loop=loop)
    assert client_for(interviewer).post("/api/v1/scorecards/", plan.body()).status_code == 201
    _erased(loop.candidate, admin_user)

    response = client_for(admin_user).post(
        f"/api/v1/loops/{loop.pk}/decision/",
        {"decision": "hire", "note": "A note about them"},
        format="json",
    )

    _assert_refused(response, "loop")
    loop.refresh_from_db()
    assert (loop.decision, loop.decision_note) == ("", "")


@pytest.fixture
def superuser_client(client, admin_user):
    """The admin site as a superuser: Django's admin asks for model permissions, which the
    named admin (a role, not a superuser) lacks, so a 403 would prove nothing without this."""
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_the_admin_site_does_not_change_an_erased_candidate(superuser_client, admin_user):
    candidate = _erased(CandidateFactory(), admin_user)
    url = f"/admin/interviews/candidate/{candidate.pk}/change/"

    assert superuser_client.get(url).status_code == 200  # still readable
    response = superuser_client.post(url, {"name": "Back again", "email": "", "external_id": ""})

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.name == f"Erased candidate {candidate.pk}"


def _admin_form_data(page) -> dict:
    """What the admin change page would post back unchanged: its form's and inlines' values."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):  # the admin's date and time boxes
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = part
            else:
                data[form.add_prefix(name)] = field.prepare_value(value)
    return data


def test_the_admin_site_does_not_change_an_erased_candidates_loop(superuser_client, admin_user):
    loop = LoopFactory()
    url = f"/admin/interviews/loop/{loop.pk}/change/"
    form_data = _admin_form_data(superuser_client.get(url))
    _erased(loop.candidate, admin_user)

    assert superuser_client.get(url).status_code == 200  # still readable
    response = superuser_client.post(
        url, {**form_data, "decision": "hire", "decision_note": "A note about them"}
    )

    assert response.status_code == 403
    loop.refresh_from_db()
    assert (loop.decision, loop.decision_note) == ("", "")


def test_the_admin_site_offers_no_erased_candidate_for_a_loop(superuser_client, admin_user):
    loop = LoopFactory()
    erased = _erased(CandidateFactory(), admin_user)

    for url in (f"/admin/interviews/loop/{loop.pk}/change/", "/admin/interviews/loop/add/"):
        form = superuser_client.get(url).context["adminform"].form
        offered = set(form.fields["candidate"].queryset.values_list("pk", flat=True))
        assert loop.candidate_id in offered
        assert erased.pk not in offered
