"""Checks of the generator's hard rules, shared by the pure generator tests."""

from interviews.generator import BankQuestion, LoopHistory, LoopPlan, LoopRequest


def assert_hard_rules(
    plan: LoopPlan, request: LoopRequest, bank: list[BankQuestion], history: LoopHistory
) -> None:
    by_id = {q.id: q for q in bank}
    asked = [pq.question for s in plan.sessions for pq in s.questions]
    # no question twice in the loop
    assert len(asked) == len(set(asked))
    # only active questions, never one the candidate met before
    assert all(by_id[q].is_active for q in asked)
    assert not set(asked) & history.asked_of_candidate
    # the template's quotas exactly
    per_level: dict[str, int] = {}
    for q in asked:
        per_level[by_id[q].level] = per_level.get(by_id[q].level, 0) + 1
    assert per_level == {slug: n for slug, n in request.level_quotas.items() if n > 0}
    assert plan.balance.per_level == per_level
    # every session: at least one question, within its minutes, ordered easier to harder
    assert len(plan.sessions) == request.session_count
    for session in plan.sessions:
        assert session.questions
        assert sum(pq.estimated_minutes for pq in session.questions) <= request.session_minutes
        orders = [request.level_order[pq.level] for pq in session.questions]
        assert orders == sorted(orders)
        assert [pq.order for pq in session.questions] == list(range(1, len(session.questions) + 1))
        assert len(session.interviewers) == request.interviewers_per_session
    # each interviewer in at most one session, and only from the pool
    seated = [u for s in plan.sessions for u in s.interviewers]
    assert len(seated) == len(set(seated))
    assert set(seated) <= set(request.interviewer_ids)
