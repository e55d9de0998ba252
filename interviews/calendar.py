"""Interview sessions as an iCalendar file (RFC 5545), built with the `icalendar` library.

Plain data in (`CalendarSession`, built by `interviews.selectors.calendar_sessions`), bytes out;
no ORM here. What the file holds and why:

- One VEVENT per session that has a time. `UID` is `session-<id>@<CALENDAR_UID_DOMAIN>`, stable
  for the life of the session, so a client that subscribed updates the event in place.
- `DTSTART` is the session's `scheduled_at` in UTC, `DTEND` adds its `duration_minutes`.
- `STATUS` follows the loop: draft TENTATIVE, scheduled and completed CONFIRMED, cancelled
  CANCELLED (the events stay in the file, so subscribed clients strike them out).
- `SEQUENCE` is the loop's revision: whole seconds from the loop's creation to its last change
  (its `updated_at`, or the candidate's erasure if later). It only grows, and every write that
  moves a session in a calendar (schedule, cancel) touches `updated_at`; `DTSTAMP` and
  `LAST-MODIFIED` are that last change, so the same data always gives the same bytes.
- `ATTENDEE`s are the session's interviewers as `mailto:` addresses with `CN` (full name, else
  username), and its trainees as optional participants (`ROLE=OPT-PARTICIPANT`: they shadow,
  they do not score); `ORGANIZER` is the job's hiring manager. A user without an e-mail
  address is no ATTENDEE (a calendar address must be reachable; an invented one would collect
  replies nobody reads) but is named in the DESCRIPTION with every other interviewer.
- `METHOD:PUBLISH`: a feed to subscribe to, not an invitation; clients send no replies. (RFC
  5546 keeps ATTENDEE out of PUBLISH messages; calendar exports carry them anyway for display,
  and clients show them without sending anything.)
- An erased candidate's name appears nowhere: the summary names the job and the session only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Interview Loops//Interview calendar 1.0//EN"

EVENT_STATUS = {
    "draft": "TENTATIVE",
    "scheduled": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class CalendarPerson:
    username: str
    full_name: str
    email: str

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


@dataclass(frozen=True)
class CalendarSession:
    session_id: int
    session_order: int
    loop_id: int
    loop_status: str
    starts_at: datetime
    duration_minutes: int
    loop_created_at: datetime
    last_changed_at: datetime
    job_title: str
    # None when the candidate was erased: nothing about them goes into the file.
    candidate_name: str | None
    organizer: CalendarPerson | None
    interviewers: tuple[CalendarPerson, ...]
    # Trainees shadowing the session: optional attendees (they attend; they do not score).
    trainees: tuple[CalendarPerson, ...] = ()


def loop_revision(session: CalendarSession) -> int:
    """SEQUENCE: whole seconds from the loop's creation to its last change (never negative)."""
    return max(0, int((session.last_changed_at - session.loop_created_at).total_seconds()))


def _address(person: CalendarPerson, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.display_name)
    for name, value in params.items():
        address.params[name.replace("_", "-").upper()] = value
    return address


def _summary(session: CalendarSession) -> str:
    who = f"{session.candidate_name}, " if session.candidate_name else ""
    return f"Interview: {who}{session.job_title} (session {session.session_order})"


def _names(people: tuple[CalendarPerson, ...]) -> str:
    return ", ".join(p.display_name + ("" if p.email else " (no e-mail address)") for p in people)


def _description(session: CalendarSession) -> str:
    shadowing = f"Shadowing: {_names(session.trainees)}.\n" if session.trainees else ""
    return (
        f"Loop {session.loop_id}, session {session.session_order}, for the job "
        f"{session.job_title}.\nInterviewers: {_names(session.interviewers) or 'none'}.\n"
        f"{shadowing}The interview kit: GET /api/v1/me/sessions/"
    )


def session_event(session: CalendarSession, *, uid_domain: str) -> Event:
    """The VEVENT of one session (see the module docstring for each property)."""
    event = Event()
    starts_at = session.starts_at.astimezone(UTC)
    changed = session.last_changed_at.astimezone(UTC)
    event.add("uid", f"session-{session.session_id}@{uid_domain}")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("sequence", loop_revision(session))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=session.duration_minutes))
    event.add("status", EVENT_STATUS.get(session.loop_status, "CONFIRMED"))
    event.add("summary", _summary(session))
    event.add("description", _description(session))
    event.add("transp", "OPAQUE")
    if session.organizer is not None and session.organizer.email:
        event.add("organizer", _address(session.organizer))
    for person in session.interviewers:
        if person.email:
            event.add(
                "attendee",
                _address(person, cutype="INDIVIDUAL", role="REQ-PARTICIPANT", rsvp="FALSE"),
            )
    for person in session.trainees:
        if person.email:
            event.add(
                "attendee",
                _address(person, cutype="INDIVIDUAL", role="OPT-PARTICIPANT", rsvp="FALSE"),
            )
    return event


def sessions_calendar(sessions: list[CalendarSession], *, name: str, uid_domain: str) -> bytes:
    """The calendar (VCALENDAR with METHOD:PUBLISH) of the sessions, as RFC 5545 bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(session_event(session, uid_domain=uid_domain))
    return calendar.to_ical()
