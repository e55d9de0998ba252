"""Property tests of pool staffing in the pure generator: random pools (statuses, weekly limits,
week loads, coverage, who met the candidate) and templates (no database)."""

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviews.generator import (
    IN_TRAINING,
    QUALIFIED,
    BankQuestion,
    LoopHistory,
    LoopInfeasible,
    LoopRequest,
    PoolStaffing,
    StaffMember,
    generate_loop,
    pool_seat_holders,
)
from tests.interviews.generator_rules import assert_hard_rules

LEVELS = ["easy", "medium", "hard"]
LEVEL_ORDER = {slug: n for n, slug in enumerate(LEVELS, start=1)}
COMPETENCIES = ["c1", "c2", "c3", "c4"]
STATUSES = ["shadow", "reverse_shadow", "qualified"]


def _bank() -> list[BankQuestion]:
    """A roomy bank: every level has 12 short questions, so plans fail only for want of people."""
    return [
        BankQuestion(
            id=question_id,
            level=LEVELS[question_id % 3],
            estimated_minutes=5,
            competencies=frozenset({COMPETENCIES[question_id % 4]}),
        )
        for question_id in range(1, 37)
    ]


@st.composite
def members(draw):
    limit = draw(st.none() | st.integers(1, 4))
    optional_slugs = st.none() | st.frozensets(st.sampled_from(LEVELS), max_size=2)
    return StaffMember(
        user=0,  # numbered below
        status=draw(st.sampled_from(STATUSES)),
        weekly_limit=limit,
        week_load=draw(st.integers(0, 5)),
        levels=draw(optional_slugs),
        competencies=draw(st.none() | st.frozensets(st.sampled_from(COMPETENCIES), max_size=2)),
    )


@st.composite
def pool_scenarios(draw):
    drawn = draw(st.lists(members(), min_size=0, max_size=14))
    staff = tuple(dataclasses.replace(m, user=i) for i, m in enumerate(drawn, start=1))
    ids = [m.user for m in staff]
    met = frozenset(draw(st.sets(st.sampled_from(ids), max_size=3))) if ids else frozenset()
    pool = PoolStaffing(
        name="Backend",
        members=staff,
        trainees_per_session=draw(st.integers(0, 1)),
        met_candidate=met,
    )
    quotas = draw(st.dictionaries(st.sampled_from(LEVELS), st.integers(1, 2), min_size=1))
    request = LoopRequest(
        level_quotas=quotas,
        level_order=LEVEL_ORDER,
        # Never more sessions than questions: the template itself is always feasible here.
        session_count=draw(st.integers(1, min(3, sum(quotas.values())))),
        session_minutes=60,
        interviewers_per_session=draw(st.integers(1, 2)),
        interviewer_ids=(999,),  # ignored with a pool
        seed=draw(st.integers(0, 2**32)),
        pool=pool,
    )
    history = LoopHistory(interviewer_load={u: draw(st.integers(0, 3)) for u in ids})
    return request, history


def assert_pool_rules(plan, request: LoopRequest) -> None:
    pool = request.pool
    by_user = {m.user: m for m in pool.members}
    seated = [u for s in plan.sessions for u in s.interviewers]
    trainees = [u for s in plan.sessions for u in s.trainees]
    # scoring seats: qualified members only; trainee seats: members in training only
    assert all(by_user[u].status == QUALIFIED for u in seated)
    assert all(by_user[u].status in IN_TRAINING for u in trainees)
    # nobody twice in the loop, nobody who met the candidate
    assert len(seated + trainees) == len(set(seated + trainees))
    assert not set(seated + trainees) & pool.met_candidate
    # nobody over their weekly limit with this loop's seat
    for user in seated + trainees:
        limit = by_user[user].weekly_limit
        assert limit is None or by_user[user].week_load + 1 <= limit
    for session in plan.sessions:
        assert len(session.trainees) <= pool.trainees_per_session


def _available(request: LoopRequest) -> list[StaffMember]:
    pool = request.pool
    return [
        m
        for m in pool.members
        if m.status == QUALIFIED
        and m.user not in pool.met_candidate
        and (m.weekly_limit is None or m.week_load < m.weekly_limit)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_scenarios())
def test_every_pool_rule_holds_or_the_400_names_who_is_short(scenario):
    request, history = scenario
    bank = _bank()
    needed = request.session_count * request.interviewers_per_session
    available = _available(request)
    try:
        plan = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        assert len(available) < needed
        assert list(exc.shortages) == ["interviewers"]
        sentence = exc.shortages["interviewers"][0]
        assert f"{needed} qualified members needed, {len(available)} available" in sentence
        assert f"{needed - len(available)} short" in sentence
        pool = request.pool
        full = [
            m.user
            for m in pool.members
            if m.status == QUALIFIED
            and m.user not in pool.met_candidate
            and m.weekly_limit is not None
            and m.week_load >= m.weekly_limit
        ]
        if full:
            assert f"User(s) {', '.join(map(str, sorted(full)))} at their weekly limit" in sentence
        return
    assert len(available) >= needed
    assert_hard_rules(
        plan,
        dataclasses.replace(request, interviewer_ids=tuple(m.user for m in available)),
        bank,
        history,
    )
    assert_pool_rules(plan, request)
    # The service reads pairings only for these: they must be exactly who is seated.
    seated_ids = sorted(u for s in plan.sessions for u in s.interviewers)
    assert seated_ids == pool_seat_holders(request, history.interviewer_load)
    # Balance within the week: a member left out has at least the week load of everyone seated.
    seated = {u for s in plan.sessions for u in s.interviewers}
    left_out = [m for m in available if m.user not in seated]
    by_user = {m.user: m for m in request.pool.members}
    if left_out:
        assert max(by_user[u].week_load for u in seated) <= min(m.week_load for m in left_out)
    # Every trainee seat asked for is filled when enough trainees have room.
    trainees_free = [
        m
        for m in request.pool.members
        if m.status in IN_TRAINING
        and m.user not in request.pool.met_candidate
        and (m.weekly_limit is None or m.week_load < m.weekly_limit)
    ]
    filled = sum(len(s.trainees) for s in plan.sessions)
    assert filled == min(
        len(trainees_free), request.session_count * request.pool.trainees_per_session
    )


@settings(max_examples=100, deadline=None)
@given(pool_scenarios())
def test_the_same_seed_gives_the_same_pool_plan(scenario):
    request, history = scenario
    bank = _bank()
    try:
        first = generate_loop(request, bank, history)
    except LoopInfeasible as exc:
        try:
            generate_loop(request, bank, history)
        except LoopInfeasible as again:
            assert again.shortages == exc.shortages
            return
        raise AssertionError("the same request failed once and succeeded once") from None
    # The members in another order: the same plan.
    shuffled = dataclasses.replace(
        request, pool=dataclasses.replace(request.pool, members=request.pool.members[::-1])
    )
    assert generate_loop(shuffled, bank, history) == first


def test_coverage_sends_each_session_to_the_member_whose_pools_cover_it():
    bank = [
        BankQuestion(id=1, level="easy", estimated_minutes=10),
        BankQuestion(id=2, level="hard", estimated_minutes=10),
    ]
    pool = PoolStaffing(
        name="Mixed",
        members=(
            StaffMember(user=1, status=QUALIFIED, levels=frozenset({"hard"})),
            StaffMember(user=2, status=QUALIFIED, levels=frozenset({"easy"})),
        ),
    )
    for seed in range(20):
        request = LoopRequest(
            level_quotas={"easy": 1, "hard": 1},
            level_order=LEVEL_ORDER,
            session_count=2,
            session_minutes=10,
            interviewers_per_session=1,
            interviewer_ids=(),
            seed=seed,
            pool=pool,
        )
        plan = generate_loop(request, bank, LoopHistory())
        by_level = {s.questions[0].level: s.interviewers for s in plan.sessions}
        assert by_level == {"easy": (2,), "hard": (1,)}
        assert not any("pools do not cover" in note for note in plan.balance.notes)
