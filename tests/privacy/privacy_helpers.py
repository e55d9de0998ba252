"""Builders shared by the privacy tests (not collected: no test_ prefix)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from interviews.models import Candidate, Loop
from tests.factories import LoopFactory, rated_session

NAME = "Zebulon Quaxworth"
EMAIL = "zebulon.quax@example.org"
EXTERNAL_ID = "ATS-ZQ-9913"


@dataclass
class History:
    candidate: Candidate
    loops: list[Loop]
    # Every free text written about the candidate, each unique enough to search for.
    texts: list[str] = field(default_factory=list)

    @property
    def secrets(self) -> list[str]:
        return [NAME, EMAIL, EXTERNAL_ID, *self.texts]


def candidate_with_history(*, client_for, recruiter, admin_user, interviewers) -> History:
    """A candidate (made through the API with an Idempotency-Key) with two loops, scorecards
    with summaries and notes (idempotent POSTs), an amendment, and a decision with a note."""
    response = client_for(recruiter).post(
        "/api/v1/candidates/",
        {"name": NAME, "email": EMAIL, "external_id": EXTERNAL_ID},
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-zebulon",
    )
    assert response.status_code == 201, response.json()
    candidate = Candidate.objects.get(pk=response.json()["id"])
    history = History(candidate=candidate, loops=[])
    scorecard_ids = []
    for loop_number in (1, 2):
        loop = LoopFactory(candidate=candidate)
        history.loops.append(loop)
        # Every session first: the loop completes when its last scorecard is in.
        plans = [rated_session(interviewers=[person], loop=loop) for person in interviewers]
        for seat, (interviewer, plan) in enumerate(zip(interviewers, plans, strict=True), 1):
            summary = f"Zebulon summary L{loop_number}S{seat}: sharded the queue well"
            notes = [
                f"ZQ note L{loop_number}S{seat}C{n}: mentioned his thesis"
                for n in range(len(plan.criteria))
            ]
            ratings = [
                {"criterion": c.pk, "rating": 1 + (n + seat + loop_number) % 4, "note": note}
                for n, (c, note) in enumerate(zip(plan.criteria, notes, strict=True))
            ]
            body = plan.body(summary=summary, ratings=ratings)
            body["overall_recommendation"] = ["no", "yes", "strong_yes"][(seat + loop_number) % 3]
            response = client_for(interviewer).post(
                "/api/v1/scorecards/",
                body,
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"card-{candidate.pk}-{loop_number}-{seat}",
            )
            assert response.status_code == 201, response.json()
            scorecard_ids.append((interviewer, response.json()["id"]))
            history.texts += [summary, *notes]

    # An amendment of the first scorecard (new summary, a changed rating and recommendation).
    interviewer, card_id = scorecard_ids[0]
    card = client_for(interviewer).get(f"/api/v1/scorecards/{card_id}/").json()
    amended_summary = "Zebulon amended: on reflection his design had a hole"
    reason = "Amending after rereading my Zebulon notes"
    amended_ratings = [
        {"criterion": r["criterion"], "rating": 4 - r["rating"], "note": r["note"]}
        for r in card["ratings"]
    ]
    response = client_for(interviewer).post(
        f"/api/v1/scorecards/{card_id}/amend/",
        {
            "reason": reason,
            "summary": amended_summary,
            "overall_recommendation": "strong_no",
            "ratings": amended_ratings,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    history.texts += [amended_summary, reason]

    # A decision with a note on the first loop (every scorecard in: the loop is completed).
    decision_note = "Zebulon decision note: hire for the platform team"
    response = client_for(admin_user).post(
        f"/api/v1/loops/{history.loops[0].pk}/decision/",
        {"decision": "hire", "note": decision_note},
        format="json",
    )
    assert response.status_code == 200, response.json()
    history.texts.append(decision_note)
    candidate.refresh_from_db()
    return history


def places_holding(secrets: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, secret) for every column of every table in the database (models,
    many-to-many tables, Django's own: found by introspection, not by a list) whose value, as
    text, contains one of `secrets`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            qn = connection.ops.quote_name
            for secret in secrets:
                condition = " OR ".join(f"{qn(c)}::text ILIKE %s" for c in columns)
                pattern = "%" + secret.replace("%", r"\%").replace("_", r"\_") + "%"
                cursor.execute(
                    f"SELECT {', '.join(qn(c) + '::text ILIKE %s' for c in columns)} "
                    f"FROM {qn(table)} WHERE {condition}",
                    [pattern] * (2 * len(columns)),
                )
                for row in cursor.fetchall():
                    found += [
                        (table, column, secret)
                        for column, hit in zip(columns, row, strict=True)
                        if hit
                    ]
    return found
