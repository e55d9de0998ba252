"""Property tests of the pure generator over random banks and templates (no database)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviews.generator import (
    BankQuestion,
    LoopHistory,
    LoopInfeasible,
    LoopRequest,
    generate_loop,
)
from tests.interviews.generator_rules import assert_hard_rules

LEVELS = ["easy", "medium", "hard", "expert"]
LEVEL_ORDER = {slug: n for n, slug in enumerate(LEVELS, start=1)}
COMPETENCIES = ["c1", "c2", "c3", "c4", "c5", "c6"]


@st.composite
def scenarios(draw, roomy: bool = False):
    """A random bank, template, pool and history. `roomy` draws a bigger bank and pool, so that
    most requests can be met and the hard rules are checked on real plans."""
    size = draw(st.integers(min_value=30 if roomy else 0, max_value=60))
    bank = [
        BankQuestion(
            id=question_id,
            level=draw(st.sampled_from(LEVELS)),
            estimated_minutes=draw(st.integers(min_value=1, max_value=30)),
            competencies=frozenset(draw(st.sets(st.sampled_from(COMPETENCIES), max_size=3))),
            exposure=draw(st.integers(min_value=0, max_value=4)),
            is_active=draw(st.booleans().map(lambda b: b or draw(st.booleans()))),
        )
        for question_id in range(1, size + 1)
    ]
    quotas = draw(st.dictionaries(st.sampled_from(LEVELS), st.integers(0, 3), min_size=1))
    pool = draw(st.lists(st.integers(1, 12), min_size=8 if roomy else 0, max_size=12, unique=True))
    request = LoopRequest(
        level_quotas=quotas,
        level_order=LEVEL_ORDER,
        session_count=draw(st.integers(1, 4)),
        session_minutes=draw(st.integers(5, 120)),
        interviewers_per_session=draw(st.integers(1, 2)),
        interviewer_ids=tuple(pool),
        seed=draw(st.integers(0, 2**32)),
    )
    history = LoopHistory(
        asked_of_candidate=frozenset(draw(st.sets(st.integers(1, max(size, 1)), max_size=5))),
        interviewer_load={u: draw(st.integers(0, 3)) for u in pool},
        pairings={
            (u, q): 1
            for u, q in draw(
                st.sets(st.tuples(st.integers(1, 12), st.integers(1, max(size, 1))), max_size=10)
            )
        },
    )
    return request, bank, history


def _shortage_is_real(exc: LoopInfeasible, request, bank, history) -> None:
    """Every field of the 400 names a shortage that really exists."""
    assert exc.shortages and exc.message
    for name, sentences in exc.shortages.items():
        assert sentences
        if name.startswith("level_quotas."):
            slug = name.split(".", 1)[1]
            unused = [
                q
                for q in bank
                if q.level == slug and q.is_active and q.id not in history.asked_of_candidate
            ]
            assert len(unused) < request.level_quotas[slug]
            assert f"'{slug}'" in sentences[0] and f"only {len(unused)} unused" in sentences[0]
        elif name == "interviewers":
            needed = request.session_count * request.interviewers_per_session
            assert len(set(request.interviewer_ids)) < needed
            assert f"{needed - len(set(request.interviewer_ids))} missing" in sentences[0]
        elif name == "level_quotas":
            total = sum(n for n in request.level_quotas.values() if n > 0)
            assert total == 0 or total < request.session_count
        else:
            assert name.startswith("sessions.") or name == "session_minutes"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), scenarios(roomy=True)))
def test_every_plan_keeps_the_hard_rules_or_the_400_names_the_shortage(scenario):
    request, bank, history = scenario
    try:
        plan = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        _shortage_is_real(exc, request, bank, history)
        return
    assert_hard_rules(plan, request, bank, history)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), scenarios(roomy=True)))
def test_the_same_seed_gives_the_same_plan(scenario):
    request, bank, history = scenario
    try:
        first = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        try:
            generate_loop(request, list(reversed(bank)), history)
        except LoopInfeasible as again:
            assert again.shortages == exc.shortages
            return
        raise AssertionError("the same request was refused once and met once") from None
    # The bank's order does not matter either: the generator sorts what it is given.
    assert generate_loop(request, list(reversed(bank)), history) == first
