"""GET /api/v1/loops/ and /loops/{id}/: who sees which loop, filters, query counts."""

import pytest

from interviews.models import Loop
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def _seated(body):
    return {u for s in body["sessions"] for u in s["interviewers"]}


def test_interviewer_sees_only_loops_they_interview_in(generate, client_for, interviewer_pool):
    body = generate().json()
    seated = _seated(body)
    inside = next(u for u in interviewer_pool if u.pk in seated)
    outside = next(u for u in interviewer_pool if u.pk not in seated)

    assert [r["id"] for r in client_for(inside).get("/api/v1/loops/").json()["results"]] == [
        body["id"]
    ]
    # The same loop, but never the hiring manager's decision note (API.md, 2026-11-30).
    assert client_for(inside).get(f"/api/v1/loops/{body['id']}/").json() == {
        **body,
        "decision_note": None,
    }
    assert client_for(outside).get("/api/v1/loops/").json()["results"] == []
    hidden = client_for(outside).get(f"/api/v1/loops/{body['id']}/")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ["hiring_manager", "recruiter", "admin_user"])
def test_planners_see_every_loop(request, role, generate, client_for):
    ids = [generate(seed=s).json()["id"] for s in (1, 2)]
    listed = client_for(request.getfixturevalue(role)).get("/api/v1/loops/").json()
    assert [r["id"] for r in listed["results"]] == ids


def test_outsider_reads_no_loops(generate, client_for, outsider):
    generate()
    assert client_for(outsider).get("/api/v1/loops/").status_code == 403


def test_filters_by_candidate_status_and_interviewer(generate, client_for, hiring_manager):
    client = client_for(hiring_manager)
    first = generate().json()
    other = CandidateFactory()
    second = generate(candidate=other.pk, seed=2).json()
    client.post(f"/api/v1/loops/{second['id']}/cancel/")

    def ids(**params):
        return [r["id"] for r in client.get("/api/v1/loops/", params).json()["results"]]

    assert ids(candidate=other.pk) == [second["id"]]
    assert ids(status="draft") == [first["id"]]
    assert ids(status="cancelled") == [second["id"]]
    lead = first["sessions"][0]["interviewers"][0]
    assert first["id"] in ids(interviewer=lead)
    bad = client.get("/api/v1/loops/", {"status": "finished"})
    assert bad.status_code == 400
    assert "status" in bad.json()["fields"]


def test_loop_list_query_count_does_not_grow_with_loops(
    generate, client_for, hiring_manager, django_assert_max_num_queries
):
    client = client_for(hiring_manager)
    generate()
    with django_assert_max_num_queries(12) as one:
        client.get("/api/v1/loops/")
    for seed in range(6):
        generate(candidate=CandidateFactory().pk, seed=seed)
    with django_assert_max_num_queries(12) as seven:
        assert client.get("/api/v1/loops/", {"page_size": 200}).json()["count"] == 7
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_interviewer_list_query_count(
    generate, client_for, interviewer_pool, django_assert_max_num_queries
):
    body = generate().json()
    user = next(u for u in interviewer_pool if u.pk in _seated(body))
    client = client_for(user)
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/loops/").json()["count"] == 1
    assert Loop.objects.count() == 1


DECISION_NOTE = "Strong on metrics; salary expectations above the band."


def _decided(loop_id: int) -> None:
    # The decision as loop_decide stores it (its endpoint is tested in test_loop_lifecycle).
    Loop.objects.filter(pk=loop_id).update(
        status=Loop.Status.COMPLETED, decision="no_hire", decision_note=DECISION_NOTE
    )


def test_interviewers_never_see_the_decision_note(generate, client_for, interviewer_pool):
    body = generate().json()
    _decided(body["id"])
    inside = next(u for u in interviewer_pool if u.pk in _seated(body))
    client = client_for(inside)

    detail = client.get(f"/api/v1/loops/{body['id']}/").json()
    listed = client.get("/api/v1/loops/").json()["results"]
    kit = client.get("/api/v1/me/sessions/")

    assert (detail["decision"], detail["decision_note"]) == ("no_hire", None)
    assert [row["decision_note"] for row in listed] == [None]
    assert kit.status_code == 200
    assert kit.json()["results"]
    assert DECISION_NOTE not in kit.content.decode()


@pytest.mark.parametrize("role", ["hiring_manager", "recruiter", "admin_user"])
def test_planners_read_the_decision_note(request, role, generate, client_for):
    body = generate().json()
    _decided(body["id"])
    client = client_for(request.getfixturevalue(role))

    assert client.get(f"/api/v1/loops/{body['id']}/").json()["decision_note"] == DECISION_NOTE
    listed = client.get("/api/v1/loops/").json()["results"]
    assert [row["decision_note"] for row in listed] == [DECISION_NOTE]
