"""The capacity simulator reads the rendered ASL and reproduces what an operator would see.

The last tests pin the module's defaults to the promise of issue 5: for 2,200 rows and any
QuickSight rate from 2 to 50 requests/s, a run ends within 1.3x of the fastest possible and no
row is lost to throttling. Changing the defaults badly fails them.
"""

from __future__ import annotations

import pytest

from qsdeprov import config, pricing
from qsdeprov import simulator as sim

NO_LATENCY = sim.Timing(qs_call=0.0, ddb_call=0.0, per_state=0.0, item_start=0.0)
ALL_DELETABLE = {"delete": 1.0}


def test_policy_numbers_come_from_the_rendered_asl_not_from_a_copy() -> None:
    asl = sim.rendered_asl(
        max_concurrency=7,
        retry_interval_seconds=3,
        retry_backoff_rate=1.5,
        retry_max_delay_seconds=9,
        retry_max_attempts=4,
    )
    policy = sim.policy_from_asl(asl)
    assert policy.max_concurrency == 7
    for name in ("describe", "delete", "record"):
        r = policy.retrier(name)
        assert r is not None
        assert (r.interval, r.backoff, r.max_delay, r.max_attempts, r.jitter) == (3, 1.5, 9, 4, "FULL")
    # editing the rendered dict changes what the simulator sees
    _, map_state = sim.find_map(asl)
    map_state["MaxConcurrency"] = 3
    map_state["ItemProcessor"]["States"]["Check user exists"]["Retry"][0]["MaxAttempts"] = 1
    edited = sim.policy_from_asl(asl)
    assert edited.max_concurrency == 3
    assert edited.retrier("describe").max_attempts == 1  # type: ignore[union-attr]


def test_seed_policy_has_no_cap_and_no_jitter() -> None:
    policy = sim.policy_from_asl(sim.seed_policy_asl())
    r = policy.retrier("describe")
    assert policy.max_concurrency == 100
    assert r is not None and r.max_delay is None and r.jitter == "NONE" and r.max_attempts == 20
    # uncapped doubling from 1 s: the 19th retry alone waits 2**18 s, about three days
    assert r.cap(18) == 2**18


def test_every_retry_of_a_call_that_is_always_throttled_waits_the_documented_backoff() -> None:
    asl = sim.rendered_asl(
        max_concurrency=1,
        retry_interval_seconds=2,
        retry_backoff_rate=3,
        retry_max_delay_seconds=10,
        retry_max_attempts=4,
    )
    for retrier in (r for s in sim.find_map(asl)[1]["ItemProcessor"]["States"].values() for r in s.get("Retry", [])):
        retrier["JitterStrategy"] = "NONE"
    scenario = sim.Scenario(rows=3, mode="fixed", throttle_probability=1.0, mix=ALL_DELETABLE, timing=NO_LATENCY)
    result = sim.simulate(asl, scenario)
    # waits 2, 6, then capped at 10, 10: 28 s per DescribeUser; DeleteUser is never reached
    assert result.retries == 3 * 4
    assert result.retry_wait == pytest.approx(3 * 28)
    assert result.makespan == pytest.approx(3 * 28)  # MaxConcurrency 1: rows one after the other
    # every row is caught by States.ALL and recorded as FAILED, none is lost
    assert result.exhausted == 3 and result.unrecorded == 0 and result.outcomes["failed"] == 3


def test_full_jitter_waits_are_uniform_below_the_capped_delay() -> None:
    asl = sim.rendered_asl(
        max_concurrency=50,
        retry_interval_seconds=2,
        retry_backoff_rate=3,
        retry_max_delay_seconds=10,
        retry_max_attempts=4,
    )
    scenario = sim.Scenario(rows=2000, mode="fixed", throttle_probability=1.0, mix=ALL_DELETABLE, timing=NO_LATENCY)
    result = sim.simulate(asl, scenario, seed=1)
    expected_mean = (2 + 6 + 10 + 10) / 2  # uniform(0, d) has mean d / 2
    assert result.retry_wait / 2000 == pytest.approx(expected_mean, rel=0.03)


def test_max_concurrency_starts_a_row_only_when_one_finishes() -> None:
    timing = sim.Timing(qs_call=1.0, ddb_call=0.0, per_state=0.0, item_start=0.0)
    asl = sim.rendered_asl(max_concurrency=4)
    fast = sim.Scenario(rows=40, rate=1e6, mix=ALL_DELETABLE, timing=timing)
    # two QuickSight calls of 1 s per row, 4 rows at a time: 10 waves of 2 s
    assert sim.simulate(asl, fast).makespan == pytest.approx(20.0)
    assert sim.simulate(sim.rendered_asl(max_concurrency=40), fast).makespan == pytest.approx(2.0)


def test_token_bucket_caps_throughput_at_the_rate() -> None:
    asl = sim.rendered_asl(max_concurrency=50)
    result = sim.simulate(asl, sim.Scenario(rows=1000, rate=10, mix=ALL_DELETABLE))
    assert result.floor == pytest.approx(2000 / 10)
    assert result.qs_calls == 2000
    assert 1.0 <= result.ratio < 1.3
    # 50 rows in flight against 10 req/s: most rows are throttled at least once...
    assert result.retries > 1000
    # ...and every attempt is either a needed call or a retry (DynamoDB's limit is never hit)
    assert result.attempts == result.qs_calls + result.retries


def test_cost_counts_state_transitions_of_each_path_and_every_retry() -> None:
    asl = sim.rendered_asl()
    policy = sim.policy_from_asl(asl)
    calm = sim.simulate(asl, sim.Scenario(rows=100, rate=1e6, mix=ALL_DELETABLE))
    per_row = sum(s.states_in for s in policy.programs["delete"][:3])
    # Check address, Check user exists, Check role, Is role deletable?, Dry run?, Delete user,
    # User deleted, Record result
    assert per_row == 8
    base = policy.parent_transitions + 2 * policy.table_poll_cycle
    assert calm.retries == 0 and calm.transitions == base + 100 * per_row
    throttled = sim.simulate(asl, sim.Scenario(rows=100, mode="fixed", throttle_probability=0.5, mix=ALL_DELETABLE))
    assert throttled.transitions == base + 100 * per_row + throttled.retries
    assert throttled.cost.step_functions == pytest.approx(throttled.transitions * pricing.SFN_STANDARD_PER_TRANSITION)
    assert throttled.cost.dynamodb > 0 and throttled.cost.lambda_ > 0


def test_rows_of_each_kind_take_their_own_path() -> None:
    mix = {"delete": 0.25, "not_found": 0.25, "protected": 0.25, "invalid": 0.25}
    result = sim.simulate(sim.rendered_asl(), sim.Scenario(rows=400, rate=1e6, mix=mix))
    assert sum(result.outcomes[k] for k in mix) == 400
    deletes = result.outcomes["delete"]
    assert result.qs_calls == 2 * deletes + result.outcomes["not_found"] + result.outcomes["protected"]


def test_seed_policy_still_runs_after_three_days_for_900_users_at_2_requests_per_second() -> None:
    result = sim.simulate(sim.seed_policy_asl(), sim.Scenario(rows=900, rate=2))
    assert result.makespan > 3 * 86_400
    assert result.exhausted > 0  # and some rows end FAILED anyway


DEFAULT_RATES = (2, 3, 5, 8, 13, 20, 30, 50)


@pytest.mark.parametrize("rate", DEFAULT_RATES)
def test_defaults_finish_2200_rows_within_1_3x_of_the_floor_without_losing_a_row(rate: float) -> None:
    asl = sim.rendered_asl()
    for seed in range(3):
        result = sim.simulate(asl, sim.Scenario(rows=2200, rate=rate), seed=seed)
        assert result.ratio <= 1.3, f"R={rate} seed={seed}: {result.ratio:.2f}x the floor"
        assert result.exhausted == 0 and result.unrecorded == 0, f"R={rate} seed={seed}: rows FAILED by throttling"


def test_default_retry_wait_stays_minutes_in_the_worst_case() -> None:
    policy = sim.policy_from_asl(sim.rendered_asl())
    for name in ("describe", "delete", "record"):
        r = policy.retrier(name)
        assert r is not None and r.jitter == "FULL"
        assert r.worst_case_wait() < 15 * 60
    d = config.MODULE_DEFAULTS
    assert d["retry_max_delay_seconds"] * d["retry_max_attempts"] < 15 * 60


def test_too_few_parallel_rows_underuse_a_fast_api_and_too_many_fail_rows_at_a_slow_one() -> None:
    """Why the default MaxConcurrency is in the middle: both ends of [2, 50] req/s bite."""
    asl = sim.rendered_asl()
    low = sim.simulate(sim.with_concurrency(sim.policy_from_asl(asl), 5), sim.Scenario(rows=2200, rate=50))
    assert low.ratio > 1.3
    high_policy = sim.with_concurrency(sim.policy_from_asl(asl), 100)
    failed = sum(sim.simulate(high_policy, sim.Scenario(rows=2200, rate=2), seed=s).exhausted for s in range(3))
    assert failed > 0
