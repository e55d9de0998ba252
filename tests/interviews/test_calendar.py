"""GET /api/v1/loops/{id}/calendar.ics and /api/v1/me/calendar.ics: RFC 5545 files, read back
with icalendar; who may read which; a cancelled loop; an erased candidate; query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from icalendar import Calendar

from interviews.models import Candidate, Loop
from tests.factories import (
    InterviewSessionFactory,
    JobFactory,
    LoopFactory,
    LoopTemplateFactory,
    SessionInterviewerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_NINE = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


def assert_rfc5545(content: bytes) -> Calendar:
    """The basics of RFC 5545 a strict reader relies on, then the file parsed back."""
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)  # CRLF only (3.1)
    assert all(len(line) <= 75 for line in lines), "a line over 75 octets is not folded (3.1)"
    content.decode("utf-8")  # UTF-8 (3.1.4), and folding never split a character
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    calendar = Calendar.from_ical(content)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")
    assert calendar["METHOD"] == "PUBLISH"
    for component in calendar.walk():
        assert not component.errors, component.errors
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY"):
            assert required in event, required
        assert event.decoded("DTEND") > event.decoded("DTSTART")
        # Times in UTC: the form ending in Z (3.3.5, form 2), no TZID to resolve.
        assert event["DTSTART"].to_ical().endswith(b"Z") and "TZID" not in event["DTSTART"].params
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    return calendar


def events(response) -> dict[str, dict]:
    """{UID: the event's decoded properties} of a calendar response."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = assert_rfc5545(response.content)
    return {
        str(e["UID"]): {
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "status": str(e["STATUS"]),
            "sequence": int(e["SEQUENCE"]),
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
            "organizer": str(e.get("ORGANIZER", "")),
            "attendees": sorted(
                (str(a), str(a.params["CN"]))
                for a in (
                    e.get("ATTENDEE", [])
                    if isinstance(e.get("ATTENDEE", []), list)
                    else [e["ATTENDEE"]]
                )
            ),
        }
        for e in calendar.walk("VEVENT")
    }


@pytest.fixture
def scheduled(generate, client_for, hiring_manager):
    """A generated loop of four sessions, scheduled with times for the first three."""
    body = generate().json()
    sessions = body["sessions"]
    times = [
        {"id": s["id"], "scheduled_at": (MONDAY_NINE + timedelta(hours=2 * i)).isoformat()}
        for i, s in enumerate(sessions[:3])
    ]
    answer = client_for(hiring_manager).post(
        f"/api/v1/loops/{body['id']}/schedule/", {"sessions": times}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    return answer.json()


def uid(session_id: int) -> str:
    return f"session-{session_id}@interview-loops.local"


def test_a_loop_calendar_has_one_event_per_session_with_a_time(
    scheduled, client_for, hiring_manager, interviewer_pool, settings
):
    users = {u.pk: u for u in interviewer_pool}
    found = events(client_for(hiring_manager).get(f"/api/v1/loops/{scheduled['id']}/calendar.ics"))

    timed = scheduled["sessions"][:3]
    assert sorted(found) == sorted(uid(s["id"]) for s in timed)
    for i, session in enumerate(timed):
        event = found[uid(session["id"])]
        assert event["start"] == MONDAY_NINE + timedelta(hours=2 * i)
        assert event["end"] - event["start"] == timedelta(minutes=session["duration_minutes"])
        assert event["status"] == "CONFIRMED"
        assert event["summary"] == (
            f"Interview: Cora Candidate, AI North Star Metric Analyst (session {session['order']})"
        )
        assert event["organizer"] == f"mailto:{hiring_manager.email}"
        assert event["attendees"] == sorted(
            (f"mailto:{users[i].email}", users[i].username) for i in session["interviewers"]
        )


def test_accept_text_calendar_and_any_type_get_the_file_others_a_json_406(
    scheduled, client_for, hiring_manager
):
    client = client_for(hiring_manager)
    path = f"/api/v1/loops/{scheduled['id']}/calendar.ics"
    for accept in ("text/calendar", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        assert client.get(path, HTTP_ACCEPT=accept)["Content-Type"].startswith("text/calendar")
    refused = client.get(path, HTTP_ACCEPT="application/json")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["code"] == "not_acceptable"


def test_a_cancelled_loop_keeps_its_events_cancelled_with_a_higher_sequence(
    scheduled, client_for, hiring_manager
):
    client = client_for(hiring_manager)
    path = f"/api/v1/loops/{scheduled['id']}/calendar.ics"
    before = events(client.get(path))
    # The revision counts whole seconds since the loop was created: make the schedule a minute
    # old instead of waiting for the clock.
    Loop.objects.filter(pk=scheduled["id"]).update(
        created_at=timezone.now() - timedelta(minutes=5),
        updated_at=timezone.now() - timedelta(minutes=4),
    )
    before = events(client.get(path))
    assert client.post(f"/api/v1/loops/{scheduled['id']}/cancel/").status_code == 200

    after = events(client.get(path))
    assert sorted(after) == sorted(before)
    for key, event in after.items():
        assert event["status"] == "CANCELLED"
        assert event["sequence"] > before[key]["sequence"]
        assert event["start"] == before[key]["start"]


def test_an_erased_candidate_is_named_nowhere(scheduled, client_for, hiring_manager):
    Candidate.objects.filter(loops__id=scheduled["id"]).update(
        name=f"Erased candidate {scheduled['candidate']}", erased_at=timezone.now()
    )
    response = client_for(hiring_manager).get(f"/api/v1/loops/{scheduled['id']}/calendar.ics")
    assert b"Cora" not in response.content and b"rased candidate" not in response.content
    for event in events(response).values():
        assert event["summary"].startswith("Interview: AI North Star Metric Analyst (session ")


def test_a_user_without_e_mail_is_named_in_the_description_not_an_attendee(
    hiring_manager, client_for
):
    quiet = UserFactory(username="quentin_quiet", email="", first_name="Quentin", last_name="Q")
    session = InterviewSessionFactory(
        loop__template__job=JobFactory(hiring_manager=hiring_manager), scheduled_at=MONDAY_NINE
    )
    SessionInterviewerFactory(session=session, interviewer=quiet)
    event = events(client_for(hiring_manager).get(f"/api/v1/loops/{session.loop_id}/calendar.ics"))
    assert event[uid(session.pk)]["attendees"] == []
    assert "Quentin Q (no e-mail address)" in event[uid(session.pk)]["description"]


def test_names_with_quotes_commas_and_long_text_stay_valid(hiring_manager, client_for):
    job = JobFactory(hiring_manager=hiring_manager, title='Staff PM, Growth; "North" ' * 6)
    odd = UserFactory(username="odd", first_name='Zoë "Z"', last_name="O'Brien, Jr.")
    session = InterviewSessionFactory(loop__template__job=job, scheduled_at=MONDAY_NINE)
    SessionInterviewerFactory(session=session, interviewer=odd)
    found = events(client_for(hiring_manager).get(f"/api/v1/loops/{session.loop_id}/calendar.ics"))
    assert found[uid(session.pk)]["attendees"] == [
        ("mailto:odd@example.com", 'Zoë "Z" O\'Brien, Jr.')
    ]
    assert job.title in found[uid(session.pk)]["summary"]


# --- who may read which calendar ----------------------------------------------------------------


def test_another_hiring_manager_gets_404(scheduled, client_for):
    other = UserFactory(username="henry_other_hm")
    other.groups.add(Group.objects.get_or_create(name="hiring_manager")[0])
    JobFactory(hiring_manager=other)
    response = client_for(other).get(f"/api/v1/loops/{scheduled['id']}/calendar.ics")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_an_interviewer_off_the_loop_gets_404_and_one_on_it_the_calendar(
    scheduled, client_for, interviewer_pool
):
    seated = {u for s in scheduled["sessions"] for u in s["interviewers"]}
    inside = next(u for u in interviewer_pool if u.pk in seated)
    outside = next(u for u in interviewer_pool if u.pk not in seated)
    path = f"/api/v1/loops/{scheduled['id']}/calendar.ics"
    assert len(events(client_for(inside).get(path))) == 3
    hidden = client_for(outside).get(path)
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_an_outsider_is_refused_as_for_the_loop_itself(scheduled, client_for, outsider):
    client = client_for(outsider)
    calendar = client.get(f"/api/v1/loops/{scheduled['id']}/calendar.ics")
    loop = client.get(f"/api/v1/loops/{scheduled['id']}/")
    assert calendar.status_code == loop.status_code == 403
    assert calendar.json()["code"] == "permission_denied"


def test_a_missing_loop_and_no_token_answer_in_the_json_error_shape(client_for, recruiter):
    missing = client_for(recruiter).get("/api/v1/loops/999999/calendar.ics")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    for path in ("/api/v1/loops/1/calendar.ics", "/api/v1/me/calendar.ics"):
        anonymous = client_for(None).get(path, HTTP_ACCEPT="text/calendar")
        assert anonymous.status_code == 401
        assert anonymous.json()["code"] == "not_authenticated"


def test_options_describes_the_endpoint_in_json(client_for, recruiter):
    for path in ("/api/v1/loops/1/calendar.ics", "/api/v1/me/calendar.ics"):
        response = client_for(recruiter).options(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "text/calendar" in response.json()["renders"]


# --- the caller's own calendar ------------------------------------------------------------------


def test_my_calendar_holds_my_sessions_only_cancelled_ones_as_cancelled(
    scheduled, generate, client_for, hiring_manager, interviewer_pool
):
    lead = scheduled["sessions"][0]["interviewers"][0]
    me = next(u for u in interviewer_pool if u.pk == lead)
    found = events(client_for(me).get("/api/v1/me/calendar.ics"))
    assert list(found) == [uid(scheduled["sessions"][0]["id"])]

    client_for(hiring_manager).post(f"/api/v1/loops/{scheduled['id']}/cancel/")
    found = events(client_for(me).get("/api/v1/me/calendar.ics"))
    assert [e["status"] for e in found.values()] == ["CANCELLED"]


def test_my_calendar_leaves_out_unscheduled_and_year_old_sessions(client_for, interviewer):
    recent = InterviewSessionFactory(scheduled_at=timezone.now() - timedelta(days=30))
    old = InterviewSessionFactory(scheduled_at=timezone.now() - timedelta(days=400))
    untimed = InterviewSessionFactory(scheduled_at=None)
    for session in (recent, old, untimed):
        SessionInterviewerFactory(session=session, interviewer=interviewer)
    SessionInterviewerFactory(session=InterviewSessionFactory(scheduled_at=MONDAY_NINE))
    assert list(events(client_for(interviewer).get("/api/v1/me/calendar.ics"))) == [uid(recent.pk)]


def test_a_trainees_calendar_holds_the_sessions_they_shadow(client_for, interviewer):
    """A trainee attends the sessions they shadow: those are in their own calendar, and every
    calendar of the session names them as an optional attendee."""
    from interviews.models import SessionTrainee

    trainee = UserFactory(username="tara_trainee", email="tara@example.com")
    shadowed = InterviewSessionFactory(scheduled_at=MONDAY_NINE)
    SessionInterviewerFactory(session=shadowed, interviewer=interviewer)
    SessionTrainee.objects.create(
        session=shadowed, loop=shadowed.loop, trainee=trainee, stage="shadow"
    )
    SessionInterviewerFactory(session=InterviewSessionFactory(scheduled_at=MONDAY_NINE))

    found = events(client_for(trainee).get("/api/v1/me/calendar.ics"))
    assert list(found) == [uid(shadowed.pk)]
    for calendar in (found, events(client_for(interviewer).get("/api/v1/me/calendar.ics"))):
        event = calendar[uid(shadowed.pk)]
        assert ("mailto:tara@example.com", "tara_trainee") in event["attendees"]
        assert "Shadowing: tara_trainee" in event["description"]


def test_a_user_without_sessions_gets_an_empty_calendar(client_for, outsider):
    response = client_for(outsider).get("/api/v1/me/calendar.ics")
    assert events(response) == {}
    assert b"BEGIN:VEVENT" not in response.content


# --- query counts -------------------------------------------------------------------------------


def _many_sessions(interviewer, hiring_manager, loops: int) -> int:
    template = LoopTemplateFactory(job=JobFactory(hiring_manager=hiring_manager))
    last = None
    for n in range(loops):
        loop = LoopFactory(template=template)
        for order in (1, 2):
            session = InterviewSessionFactory(
                loop=loop, order=order, scheduled_at=MONDAY_NINE + timedelta(days=n)
            )
            seat = interviewer if order == 1 else UserFactory()
            SessionInterviewerFactory(session=session, interviewer=seat)
            SessionInterviewerFactory(session=session, interviewer=UserFactory(), position=2)
        last = loop
    return last.pk


@pytest.mark.parametrize("loops", [1, 20])
def test_calendars_read_a_fixed_number_of_queries(
    loops, client_for, interviewer, hiring_manager, django_assert_max_num_queries
):
    loop_id = _many_sessions(interviewer, hiring_manager, loops)
    mine, theirs = client_for(interviewer), client_for(hiring_manager)
    # token, user's roles (+ team roles), the sessions, their seats with users
    with django_assert_max_num_queries(6):
        assert len(events(mine.get("/api/v1/me/calendar.ics"))) == loops
    # ... and the visible loop, its view rule
    with django_assert_max_num_queries(8):
        assert len(events(theirs.get(f"/api/v1/loops/{loop_id}/calendar.ics"))) == 2


def test_an_interviewers_calendars_hold_no_decision_note_and_no_candidate_e_mail(
    scheduled, client_for, interviewer_pool
):
    """Interviewers never see a loop's decision_note (API.md additions); nor is the candidate's
    address theirs to put in a calendar that syncs to phones and shared accounts."""
    loop = Loop.objects.get(pk=scheduled["id"])
    Loop.objects.filter(pk=loop.pk).update(
        decision="no_hire", decision_note="Salary ask too high, told nobody"
    )
    Candidate.objects.filter(pk=loop.candidate_id).update(email="cand.private@example.com")
    seated = {u for s in scheduled["sessions"] for u in s["interviewers"]}
    inside = client_for(next(u for u in interviewer_pool if u.pk in seated))

    for path in (f"/api/v1/loops/{loop.pk}/calendar.ics", "/api/v1/me/calendar.ics"):
        response = inside.get(path)
        assert events(response), path  # the loop's three, or the caller's own sessions of it
        unfolded = response.content.replace(b"\r\n ", b"")
        assert b"Salary ask" not in unfolded, path
        assert b"cand.private" not in unfolded, path
