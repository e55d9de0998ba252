"""Secret-URL calendar feeds: `POST/GET/DELETE /api/v1/me/calendar-feed/` and
`GET /api/v1/calendar-feeds/{secret}/calendar.ics`, for calendar clients that only take a URL.

The attacker's side first (whose feed a secret opens, what a wrong, revoked or rotated secret
gets, what the database and the logs keep, guessing at speed), then the feed itself: the same
events as the signed-in `/me/calendar.ics`, read back with icalendar.
"""

import hashlib
import io
import logging
import os
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent, CalendarFeed
from tests.factories import InterviewSessionFactory, SessionInterviewerFactory, UserFactory

# `scheduled` is a fixture: a generated loop with three sessions timed.
from tests.interviews.test_calendar import MONDAY_NINE, events, scheduled, uid  # noqa: F401

pytestmark = pytest.mark.django_db

FEED = "/api/v1/calendar-feeds/{}/calendar.ics"
MANAGE = "/api/v1/me/calendar-feed/"


def issue(client) -> tuple[str, str]:
    """POST /me/calendar-feed/ -> (the feed's path, its secret)."""
    response = client.post(MANAGE)
    assert response.status_code == 201, response.content
    body = response.json()
    path = urlsplit(body["url"]).path
    assert path == FEED.format(body["secret"])
    return path, body["secret"]


def seat(user, hours: int = 0):
    session = InterviewSessionFactory(scheduled_at=MONDAY_NINE + timedelta(hours=hours))
    SessionInterviewerFactory(session=session, interviewer=user)
    return session


@pytest.fixture
def two_interviewers(interviewer, other_interviewer):
    """Ivan sits in one session, Olga in another: (ivan's session, olga's session)."""
    return seat(interviewer), seat(other_interviewer, hours=3)


def not_found(response) -> dict:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- the attacker's side ------------------------------------------------------------------------


def test_variations_of_my_secret_open_no_feed_and_all_answer_alike(
    anonymous_client, client_for, interviewer, other_interviewer, two_interviewers
):
    mine = issue(client_for(interviewer))[1]
    theirs = issue(client_for(other_interviewer))[1]
    digest = hashlib.sha256(mine.encode()).hexdigest()
    flipped = ("A" if mine[0] != "A" else "B") + mine[1:]
    variations = [
        mine.upper(),
        mine.lower(),
        mine[:-1],
        mine[1:],
        mine + "A",
        mine + mine,
        flipped,
        mine[:20],
        digest,  # the stored digest is not a secret
        quote(mine + "\x00", safe=""),
        quote(mine + " ", safe=""),
        mine.replace("-", "+") + "=",  # standard base64 spelling of the same bytes
        # Olga's secret with another last character (not by chance her own).
        theirs[:-1] + ("A" if theirs[-1] != "A" else "E"),
        "x" * 2000,
    ]
    bodies = {str(not_found(anonymous_client.get(FEED.format(v)))) for v in variations}
    assert len(bodies) == 1
    # A path of more segments is no feed path at all (Django's own 404).
    not_found(anonymous_client.get(FEED.format(mine[:10] + "/" + mine[10:])))
    # And the real secrets still open exactly their owner's feed.
    ivan_session, olga_session = two_interviewers
    assert list(events(anonymous_client.get(FEED.format(mine)))) == [uid(ivan_session.pk)]
    assert list(events(anonymous_client.get(FEED.format(theirs)))) == [uid(olga_session.pk)]


def test_a_secret_for_one_user_never_shows_anothers_sessions(
    anonymous_client, client_for, interviewer, other_interviewer, two_interviewers
):
    ivan_session, olga_session = two_interviewers
    shared = seat(interviewer, hours=6)
    SessionInterviewerFactory(session=shared, interviewer=other_interviewer, position=2)
    ivan = events(anonymous_client.get(issue(client_for(interviewer))[0]))
    olga = events(anonymous_client.get(issue(client_for(other_interviewer))[0]))
    assert sorted(ivan) == sorted([uid(ivan_session.pk), uid(shared.pk)])
    assert sorted(olga) == sorted([uid(olga_session.pk), uid(shared.pk)])


def test_a_revoked_secret_answers_exactly_as_one_that_never_existed(
    anonymous_client, client_for, interviewer, two_interviewers
):
    client = client_for(interviewer)
    path, secret = issue(client)
    assert anonymous_client.get(path).status_code == 200
    assert client.delete(MANAGE).status_code == 204

    revoked = anonymous_client.get(path)
    never = anonymous_client.get(FEED.format(secret[::-1]))
    assert not_found(revoked) == not_found(never)
    assert revoked.content == never.content
    assert dict(revoked.headers) == dict(never.headers)


def test_rotating_invalidates_the_old_url_and_the_new_one_works(
    anonymous_client, client_for, interviewer, two_interviewers
):
    client = client_for(interviewer)
    old_path, old_secret = issue(client)
    new_path, new_secret = issue(client)
    assert new_secret != old_secret
    not_found(anonymous_client.get(old_path))
    assert list(events(anonymous_client.get(new_path))) == [uid(two_interviewers[0].pk)]
    assert CalendarFeed.objects.filter(user=interviewer).count() == 1


def test_the_database_holds_only_a_sha256_digest_and_the_lookup_is_by_digest(
    anonymous_client, client_for, interviewer, two_interviewers
):
    path, secret = issue(client_for(interviewer))
    row = CalendarFeed.objects.get(user=interviewer)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_calendarfeed")
        assert secret not in repr(cursor.fetchall())
    # The database compares digests, never the secret itself: an attacker controls no prefix of
    # what is compared, so the index lookup leaks nothing about the secret through its timing.
    with CaptureQueriesContext(connection) as queries:
        assert anonymous_client.get(path).status_code == 200
        not_found(anonymous_client.get(FEED.format(secret[:-1] + "Q")))
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert secret not in sql and secret[:-1] not in sql
    assert row.secret_hash in sql
    # High entropy: token_urlsafe(32) is 43 characters of 64 symbols, 256 bits.
    assert len(secret) >= 43


def test_a_deactivated_users_feed_stops_and_reactivation_does_not_bring_it_back(
    anonymous_client, client_for, interviewer, admin_user, two_interviewers
):
    path, _ = issue(client_for(interviewer))
    admin = client_for(admin_user)
    answer = admin.patch(f"/api/v1/users/{interviewer.pk}/", {"is_active": False}, format="json")
    assert answer.status_code == 200, answer.content
    not_found(anonymous_client.get(path))
    admin.patch(f"/api/v1/users/{interviewer.pk}/", {"is_active": True}, format="json")
    not_found(anonymous_client.get(path))
    entry = AuditEvent.objects.get(
        action="user.updated", target_id=str(interviewer.pk), changes__is_active=[True, False]
    )
    assert entry.changes["calendar_feed_revoked"] is True


def test_a_user_deactivated_outside_the_api_gets_no_feed(
    anonymous_client, client_for, interviewer, two_interviewers
):
    """The admin site (or a shell) saves is_active without the service: the lookup refuses."""
    path, _ = issue(client_for(interviewer))
    interviewer.is_active = False
    interviewer.save(update_fields=["is_active"])
    not_found(anonymous_client.get(path))


def test_a_password_change_revokes_the_feed(
    anonymous_client, client_for, interviewer, admin_user, two_interviewers
):
    path, _ = issue(client_for(interviewer))
    answer = client_for(admin_user).patch(
        f"/api/v1/users/{interviewer.pk}/", {"password": "a much longer passphrase"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    not_found(anonymous_client.get(path))


def test_no_auth_header_is_needed_and_anothers_credentials_change_nothing(
    client_for, interviewer, other_interviewer, two_interviewers
):
    path, _ = issue(client_for(interviewer))
    ivan_only = [uid(two_interviewers[0].pk)]
    # Olga's token, a broken token and Olga's browser session: still Ivan's feed, never a 401.
    assert list(events(client_for(other_interviewer).get(path))) == ivan_only
    broken = client_for(None)
    broken.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert list(events(broken.get(path))) == ivan_only
    browser = client_for(None)
    browser.force_login(other_interviewer)
    assert list(events(browser.get(path))) == ivan_only


def test_the_feed_is_private_to_caches_and_sets_no_cookie(
    anonymous_client, client_for, interviewer, two_interviewers
):
    path, _ = issue(client_for(interviewer))
    response = anonymous_client.get(path)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_unknown_secrets_are_limited_per_address_and_good_fetches_are_not_counted(
    anonymous_client, client_for, interviewer, settings, two_interviewers
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "calendar_feed_misses": "3/min",
        },
    }
    path, secret = issue(client_for(interviewer))
    for _ in range(5):  # successful fetches do not count
        assert anonymous_client.get(path).status_code == 200
    for n in range(3):
        not_found(anonymous_client.get(FEED.format(f"guess{n}")))
    refused = anonymous_client.get(FEED.format("guess3"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    # While refused, a right guess is refused too (else the answer would tell right from wrong).
    assert anonymous_client.get(path).status_code == 429
    # Another address is not locked out by this one.
    assert anonymous_client.get(path, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_miss_limit_counts_in_the_shared_redis_cache(
    anonymous_client, client_for, interviewer, settings
):
    """Production's cache (CACHE_URL): every gunicorn worker counts the same misses."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs the test run's Redis (CELERY_BROKER_URL)")
    working = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker}
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "calendar_feed_misses": "2/min",
        },
    }
    try:
        cache.clear()
        path, _ = issue(client_for(interviewer))
        for n in range(2):
            not_found(anonymous_client.get(FEED.format(f"guess{n}")))
        assert anonymous_client.get(path).status_code == 429
        keys = redis.Redis.from_url(broker).keys("*calendar_feed_misses*")
        assert len(keys) == 1 and b"127.0.0.1" in keys[0]
        cache.clear()
        assert anonymous_client.get(path).status_code == 200
    finally:
        settings.CACHES = working


def test_the_secret_never_reaches_our_logs(
    anonymous_client, client_for, interviewer, settings, caplog, two_interviewers
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "calendar_feed_misses": "1/min",
        },
    }
    client = client_for(interviewer)
    path, secret = issue(client)
    caplog.set_level(logging.INFO)
    # Django logs every 4xx with its path (django.request): a refused Accept on a live secret,
    # a revoked secret, and a live secret refused by the limit.
    assert anonymous_client.get(path, HTTP_ACCEPT="application/json").status_code == 406
    client.delete(MANAGE)
    not_found(anonymous_client.get(path))
    path, secret2 = issue(client)
    assert anonymous_client.get(path).status_code == 429
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/calendar-feeds/[redacted]/calendar.ics" in logged
    assert secret not in logged and secret2 not in logged
    # Whatever logger writes a feed path, the console handler of our LOGGING redacts it.
    console = [
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and h.filters  # not pytest's own capture handlers
    ]
    assert console
    buffer = io.StringIO()
    previous = console[0].setStream(buffer)
    try:
        logging.getLogger("interviews.anything").warning("fetched %s", path)
    finally:
        console[0].setStream(previous)
    assert secret2 not in buffer.getvalue()
    assert "[redacted]" in buffer.getvalue()
    # The development server's request log (its own handler, no propagation).
    server = logging.getLogger("django.server")
    listener = logging.StreamHandler(io.StringIO())
    server.addHandler(listener)
    try:
        server.info('"%s %s %s" %s %s', "GET", path, "HTTP/1.1", 200, 164)
    finally:
        server.removeHandler(listener)
    assert listener.stream.getvalue() == (
        '"GET /api/v1/calendar-feeds/[redacted]/calendar.ics HTTP/1.1" 200 164\n'
    )


# --- managing one's feed ------------------------------------------------------------------------


def test_create_shows_the_url_once_and_reading_never_shows_it(client_for, interviewer):
    client = client_for(interviewer)
    assert client.get(MANAGE).json() == {"exists": False, "created_at": None}

    created = client.post(MANAGE)
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"url", "secret", "created_at"}
    assert body["url"] == f"http://testserver{FEED.format(body['secret'])}"

    shown = client.get(MANAGE)
    assert shown.status_code == 200
    assert shown.json() == {"exists": True, "created_at": body["created_at"]}
    assert body["secret"] not in shown.content.decode()

    assert client.delete(MANAGE).status_code == 204
    assert client.get(MANAGE).json() == {"exists": False, "created_at": None}
    gone = client.delete(MANAGE)
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"
    assert "POST /api/v1/me/calendar-feed/" in gone.json()["message"]


def test_the_url_is_https_behind_a_tls_proxy(client_for, interviewer, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The proxy passes the Host the client asked for.
    body = (
        client_for(interviewer)
        .post(MANAGE, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")
        .json()
    )
    assert body["url"].startswith("https://testserver/api/v1/calendar-feeds/")


def test_issuing_and_revoking_are_audited_without_the_secret(client_for, interviewer):
    client = client_for(interviewer)
    _, first = issue(client)
    _, second = issue(client)
    client.delete(MANAGE)
    entries = AuditEvent.objects.filter(target_type="auth.user", target_id=str(interviewer.pk))
    actions = sorted(e.action for e in entries)
    assert actions == [
        "calendar_feed.issued",
        "calendar_feed.issued",
        "calendar_feed.revoked",
    ]
    assert sorted(str(e.changes.get("rotated")) for e in entries if "issued" in e.action) == [
        "False",
        "True",
    ]
    stored = repr(list(entries.values()))
    assert first not in stored and second not in stored


def test_managing_a_feed_needs_a_sign_in(anonymous_client):
    for method in ("get", "post", "delete"):
        response = getattr(anonymous_client, method)(MANAGE)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


# --- the feed itself ----------------------------------------------------------------------------


def test_the_feed_has_the_same_events_as_my_signed_in_calendar(
    anonymous_client,
    client_for,
    interviewer,
    scheduled,  # noqa: F811 (the fixture of test_calendar.py, imported above)
    interviewer_pool,
):
    lead = next(u for u in interviewer_pool if u.pk == scheduled["sessions"][0]["interviewers"][0])
    seat(lead, hours=30)
    client = client_for(lead)
    signed_in = events(client.get("/api/v1/me/calendar.ics"))
    feed = anonymous_client.get(issue(client)[0])
    assert events(feed) == signed_in
    assert len(signed_in) == 2
    assert feed["Content-Disposition"] == 'inline; filename="my-interviews.ics"'


def test_an_empty_feed_is_a_valid_calendar(anonymous_client, client_for, outsider):
    """Any signed-in user may have a feed; one without sessions gets an empty calendar."""
    assert events(anonymous_client.get(issue(client_for(outsider))[0])) == {}


def test_accept_text_calendar_and_any_type_get_the_feed_others_a_json_406(
    anonymous_client, client_for, interviewer, two_interviewers
):
    path, _ = issue(client_for(interviewer))
    for accept in ("text/calendar", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"):
        assert anonymous_client.get(path, HTTP_ACCEPT=accept)["Content-Type"].startswith(
            "text/calendar"
        )
    refused = anonymous_client.get(path, HTTP_ACCEPT="application/json")
    assert refused.status_code == 406
    assert refused.json()["code"] == "not_acceptable"


@pytest.mark.parametrize("sessions", [1, 20])
def test_the_feed_reads_a_fixed_number_of_queries(
    sessions, anonymous_client, client_for, interviewer, django_assert_max_num_queries
):
    for n in range(sessions):
        session = seat(interviewer, hours=n)
        SessionInterviewerFactory(session=session, interviewer=UserFactory(), position=2)
    path, _ = issue(client_for(interviewer))
    # the feed with its user, the sessions, their seats with users, their trainees with users
    with django_assert_max_num_queries(4):
        assert len(events(anonymous_client.get(path))) == sessions
