"""Capacity simulator: how long a run of N rows takes against rate-limited QuickSight APIs.

Everything the state machine decides is read from the RENDERED ASL (never a copy of the
numbers): the Map's ``MaxConcurrency``, every Retrier of the per-row task states (``Check user
exists`` = quicksight:describeUser, ``Delete user`` = quicksight:deleteUser, ``Record result``
= dynamodb:putItem) and the per-row state paths (state transitions, for the cost).

The model is a discrete-event simulation (one heap of call attempts):

* The Map keeps at most ``MaxConcurrency`` rows in flight; a new row starts when one finishes.
* A row is a short program of calls: describe -> delete -> put for a deletable user, describe ->
  put for a missing or protected user, put only for an invalid address.
* QuickSight is a token bucket of ``rate`` requests/s (``burst`` tokens) shared by DescribeUser
  and DeleteUser; a call that finds the bucket empty answers ``QuickSight.ThrottlingException``.
  DynamoDB is a bucket with a high rate. In ``fixed`` mode every QuickSight call is throttled
  with a fixed probability instead (what the test harness injects into moto).
* A throttled call follows the first Retrier whose ErrorEquals matches (or States.ALL): retry
  ``k`` (0-based) waits ``min(IntervalSeconds * BackoffRate**k, MaxDelaySeconds)``, uniformly
  drawn from 0 to that with ``JitterStrategy: FULL``; after ``MaxAttempts`` retries the error goes
  to the state's Catch. In our ASL a QuickSight error that exhausts its retries is caught by
  ``States.ALL`` and recorded as FAILED (the put still runs); a put that exhausts its retries
  ends the row unrecorded (the report still lists it as FAILED).

Latencies (API round trips, Step Functions per-state time, child execution start) are
assumptions in :class:`Timing`; docs/throughput.md says how they were chosen.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import pricing
from .render import iter_states

QS_THROTTLE = "QuickSight.ThrottlingException"
DDB_THROTTLE = "DynamoDb.ThrottlingException"
QS_NOT_FOUND = "QuickSight.ResourceNotFoundException"

DESCRIBE = "quicksight:describeUser"
DELETE = "quicksight:deleteUser"
PUT = "dynamodb:putItem"

#: Row kinds and their default share: most rows of a real run are deletable Readers.
DEFAULT_MIX: dict[str, float] = {"delete": 0.90, "not_found": 0.05, "protected": 0.03, "invalid": 0.02}


# --------------------------------------------------------------------------- reading the ASL
@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval: float = 1.0
    backoff: float = 2.0
    max_attempts: int = 3
    max_delay: float | None = None
    jitter: str = "NONE"

    @classmethod
    def from_asl(cls, r: Mapping[str, Any]) -> Retrier:
        return cls(
            error_equals=tuple(r["ErrorEquals"]),
            interval=float(r.get("IntervalSeconds", 1)),
            backoff=float(r.get("BackoffRate", 2.0)),
            max_attempts=int(r.get("MaxAttempts", 3)),
            max_delay=float(r["MaxDelaySeconds"]) if "MaxDelaySeconds" in r else None,
            jitter=str(r.get("JitterStrategy", "NONE")),
        )

    def matches(self, error: str) -> bool:
        return error in self.error_equals or "States.ALL" in self.error_equals

    def cap(self, k: int) -> float:
        """Delay before retry ``k`` (0-based) before jitter."""
        d = self.interval * self.backoff**k
        return d if self.max_delay is None else min(d, self.max_delay)

    def worst_case_wait(self) -> float:
        """Longest total wait this retrier can add to one state (every retry at its cap)."""
        return sum(self.cap(k) for k in range(self.max_attempts))


def first_retrier(retriers: Sequence[Retrier], error: str) -> Retrier | None:
    return next((r for r in retriers if r.matches(error)), None)


def _edges(state: Mapping[str, Any]) -> list[str]:
    out = [state["Next"]] if "Next" in state else []
    out += [c["Next"] for c in state.get("Choices", [])]
    out += [state["Default"]] if "Default" in state else []
    out += [c["Next"] for c in state.get("Catch", [])]
    return out


def _shortest(states: Mapping[str, Any], start: str, goal: str, avoid: Iterable[str] = ()) -> list[str]:
    """Shortest state path start..goal (both included), never through ``avoid`` or Fail states."""
    blocked = {n for n, s in states.items() if s["Type"] == "Fail"} | set(avoid)
    prev: dict[str, str | None] = {start: None}
    todo = deque([start])
    while todo:
        cur = todo.popleft()
        if cur == goal:
            path = [cur]
            while prev[path[-1]] is not None:
                path.append(prev[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in _edges(states[cur]):
            if nxt not in prev and (nxt not in blocked or nxt == goal):
                prev[nxt] = cur
                todo.append(nxt)
    raise ValueError(f"no path from {start!r} to {goal!r} in the ASL")


def _catch_target(state: Mapping[str, Any], error: str) -> str:
    for c in state.get("Catch", []):
        if error in c["ErrorEquals"] or "States.ALL" in c["ErrorEquals"]:
            return c["Next"]
    raise ValueError(f"no Catch for {error}")


@dataclass(frozen=True)
class Step:
    """One call of a row's program. ``states_in``: states entered to reach and run this call."""

    service: str  # "qs" or "ddb"
    retriers: tuple[Retrier, ...]
    states_in: int
    next: int  # index of the next step, -1 = row done
    fail: int  # index after the retries are exhausted, -1 = row ends unrecorded


@dataclass(frozen=True)
class Policy:
    """What the simulator needs from one rendered ASL."""

    max_concurrency: int
    describe_retry: tuple[Retrier, ...]
    delete_retry: tuple[Retrier, ...]
    record_retry: tuple[Retrier, ...]
    programs: dict[str, tuple[Step, ...]]
    parent_transitions: int
    table_poll_cycle: int

    def retrier(self, name: str) -> Retrier | None:
        """The retrier that handles throttling of ``describe``, ``delete`` or ``record``."""
        retriers = {"describe": self.describe_retry, "delete": self.delete_retry, "record": self.record_retry}[name]
        return first_retrier(retriers, DDB_THROTTLE if name == "record" else QS_THROTTLE)


def find_map(asl: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    maps = [(n, s) for n, s in asl["States"].items() if s["Type"] == "Map"]
    if len(maps) != 1:
        raise ValueError(f"expected one Map state, found {[n for n, _ in maps]}")
    return maps[0]


def _task(states: Mapping[str, Any], resource_suffix: str) -> str:
    found = [n for n, s in states.items() if s["Type"] == "Task" and s.get("Resource", "").endswith(resource_suffix)]
    if len(found) != 1:
        raise ValueError(f"expected one {resource_suffix} task in the Map, found {found}")
    return found[0]


def policy_from_asl(asl: Mapping[str, Any]) -> Policy:
    """Read MaxConcurrency, the Retriers and the per-row paths from a rendered definition."""
    map_name, map_state = find_map(asl)
    proc = map_state.get("ItemProcessor") or map_state["Iterator"]
    states, start = proc["States"], proc["StartAt"]
    dsc, dlt, put = _task(states, DESCRIBE), _task(states, DELETE), _task(states, PUT)
    retry = {n: tuple(Retrier.from_asl(r) for r in states[n].get("Retry", [])) for n in (dsc, dlt, put)}
    qs = {dsc, dlt}

    def seg(a: str, b: str, avoid: Iterable[str]) -> int:
        """States entered after ``a`` up to and including ``b``."""
        return len(_shortest(states, a, b, avoid)) - 1

    to_dsc = len(_shortest(states, start, dsc, {dlt, put}))
    dsc_ok, dlt_ok = states[dsc]["Next"], states[dlt]["Next"]
    fail_dsc = 1 + seg(_catch_target(states[dsc], QS_THROTTLE), put, qs)
    fail_dlt = 1 + seg(_catch_target(states[dlt], QS_THROTTLE), put, qs)

    def step(svc: str, name: str, n_in: int, nxt: int, fail: int) -> Step:
        return Step(svc, retry[name], n_in, nxt, fail)

    programs = {
        "delete": (
            step("qs", dsc, to_dsc, 1, 3),
            step("qs", dlt, 1 + seg(dsc_ok, dlt, {put}), 2, 4),
            step("ddb", put, 1 + seg(dlt_ok, put, qs), -1, -1),
            step("ddb", put, fail_dsc, -1, -1),
            step("ddb", put, fail_dlt, -1, -1),
        ),
        "protected": (
            step("qs", dsc, to_dsc, 1, 2),
            step("ddb", put, 1 + seg(dsc_ok, put, {dlt}), -1, -1),
            step("ddb", put, fail_dsc, -1, -1),
        ),
        "not_found": (
            step("qs", dsc, to_dsc, 1, 2),
            step("ddb", put, 1 + seg(_catch_target(states[dsc], QS_NOT_FOUND), put, qs), -1, -1),
            step("ddb", put, fail_dsc, -1, -1),
        ),
        "invalid": (step("ddb", put, len(_shortest(states, start, put, qs)), -1, -1),),
    }
    top = asl["States"]
    succeed = next(n for n, s in top.items() if s["Type"] == "Succeed")
    parent = len(_shortest(top, asl["StartAt"], map_name)) + len(_shortest(top, map_state["Next"], succeed))
    waits = [n for n, s in top.items() if s["Type"] == "Wait"]
    cycle = len(_shortest(top, top[waits[0]]["Next"], waits[0])) if waits else 0
    return Policy(
        max_concurrency=int(map_state.get("MaxConcurrency", 0)),
        describe_retry=retry[dsc],
        delete_retry=retry[dlt],
        record_retry=retry[put],
        programs=programs,
        parent_transitions=parent,
        table_poll_cycle=cycle,
    )


def rendered_asl(**module_variables: Any) -> dict[str, Any]:
    """The definition Terraform would deploy with these module variables (defaults otherwise)."""
    from . import config, render

    return render.render(config.template_values(**module_variables))


def seed_policy_asl(
    *, max_concurrency: int = 100, interval: int = 1, backoff: float = 2, max_attempts: int = 20
) -> dict[str, Any]:
    """The seed's original policy: our template rendered with its numbers, then edited.

    Our template always writes MaxDelaySeconds and JitterStrategy FULL; the seed had neither, so
    every Retrier of the rendered dict loses MaxDelaySeconds and gets JitterStrategy NONE.
    """
    asl = rendered_asl(
        max_concurrency=max_concurrency,
        retry_interval_seconds=interval,
        retry_backoff_rate=backoff,
        retry_max_attempts=max_attempts,
    )

    for _, s in iter_states(asl):
        for r in s.get("Retry", []):
            r.pop("MaxDelaySeconds", None)
            r["JitterStrategy"] = "NONE"
    return asl


# --------------------------------------------------------------------------- the scenario
@dataclass(frozen=True)
class Timing:
    """Latencies in seconds (assumptions; see docs/throughput.md)."""

    qs_call: float = 0.15  # QuickSight DescribeUser/DeleteUser round trip, success or throttle
    ddb_call: float = 0.02  # DynamoDB PutItem round trip
    per_state: float = 0.025  # Step Functions time per state entered
    item_start: float = 0.1  # Distributed Map child execution start


@dataclass(frozen=True)
class Scenario:
    rows: int
    rate: float = 10.0  # QuickSight requests/s (token bucket mode)
    burst: float | None = None  # bucket size; default: one second of rate
    mode: str = "bucket"  # "bucket" or "fixed"
    throttle_probability: float = 0.0  # fixed mode: chance that a QuickSight call is throttled
    ddb_rate: float = 4000.0  # a new on-demand table serves up to 4,000 writes/s
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    timing: Timing = field(default_factory=Timing)
    # cost model inputs (assumptions)
    table_polls: int = 2
    lambda_memory_mb: int = 256
    prepare_seconds: float = 0.5
    export_seconds: float = 1.0
    lambda_seconds_per_row: float = 0.0002
    record_bytes: int = 250


@dataclass
class Result:
    rows: int
    makespan: float  # Map start -> last row done, seconds
    floor: float  # QuickSight calls needed / rate
    qs_calls: int  # QuickSight calls needed (one per describe/delete, retries not counted)
    attempts: int  # QuickSight attempts made (calls + retries)
    retries: int  # retries of every per-row task
    retry_wait: float  # sum of every retry delay, seconds
    longest_item: float  # longest time one row spent in the Map, seconds
    exhausted: int  # rows whose QuickSight call exhausted its retries (-> FAILED)
    unrecorded: int  # rows whose put exhausted its retries (-> FAILED, not recorded)
    outcomes: dict[str, int]
    transitions: int
    cost: pricing.Cost

    @property
    def ratio(self) -> float:
        return self.makespan / self.floor if self.floor else math.nan


def _bucket_take(state: list[float], now: float, rate: float, burst: float) -> bool:
    tokens = min(burst, state[0] + (now - state[1]) * rate)
    state[1] = now
    if tokens >= 1.0:
        state[0] = tokens - 1.0
        return True
    state[0] = tokens
    return False


def _qs_calls_per_row(prog: Sequence[tuple[Any, ...]]) -> int:
    """QuickSight calls on the row's success path (retries not counted)."""
    count, si = 0, 0
    while si >= 0:
        count += 1 if prog[si][0] else 0
        si = prog[si][4]
    return count


def simulate(asl_or_policy: Mapping[str, Any] | Policy, scenario: Scenario, seed: int = 0) -> Result:
    """Simulate one run; deterministic for a given seed."""
    policy = asl_or_policy if isinstance(asl_or_policy, Policy) else policy_from_asl(asl_or_policy)
    rng = random.Random(seed)
    uniform, rand = rng.uniform, rng.random
    tm = scenario.timing
    kinds = [k for k, w in scenario.mix.items() if w > 0]
    row_kinds = rng.choices(kinds, weights=[scenario.mix[k] for k in kinds], k=scenario.rows)

    # Programs as plain tuples for speed: (is_qs, retry tuple or None, lead time, transitions, next, fail)
    compiled: dict[str, list[tuple[Any, ...]]] = {}
    for kind, prog in policy.programs.items():
        out = []
        for s in prog:
            r = first_retrier(s.retriers, QS_THROTTLE if s.service == "qs" else DDB_THROTTLE)
            rt = None if r is None else (r.interval, r.backoff, r.max_delay, r.max_attempts, r.jitter == "FULL")
            out.append((s.service == "qs", rt, s.states_in * tm.per_state, s.states_in, s.next, s.fail))
        compiled[kind] = out

    fixed = scenario.mode == "fixed"
    if scenario.mode not in ("bucket", "fixed"):
        raise ValueError(f"unknown mode {scenario.mode!r}")
    p = scenario.throttle_probability
    rate = scenario.rate
    burst = scenario.burst if scenario.burst is not None else max(1.0, rate)
    qs_bucket = [burst, 0.0]
    ddb_bucket = [scenario.ddb_rate, 0.0]
    ddb_rate = scenario.ddb_rate
    qs_lat, ddb_lat = tm.qs_call, tm.ddb_call

    n = scenario.rows
    conc = policy.max_concurrency or n
    heap: list[tuple[float, int, int, int, int]] = []  # (time, seq, row, step, retries so far)
    start = [0.0] * n
    failed = [False] * n
    seq = 0
    next_row = 0
    transitions = retries = attempts = exhausted = unrecorded = 0
    retry_wait = longest = makespan = 0.0
    outcomes = dict.fromkeys((*policy.programs, "failed", "unrecorded"), 0)

    def launch(t: float) -> None:
        nonlocal next_row, seq, transitions
        i = next_row
        next_row += 1
        start[i] = t
        step = compiled[row_kinds[i]][0]
        transitions += step[3]
        seq += 1
        heapq.heappush(heap, (t + tm.item_start + step[2], seq, i, 0, 0))

    for _ in range(min(conc, n)):
        launch(0.0)

    push, pop = heapq.heappush, heapq.heappop
    while heap:
        t, _, i, si, k = pop(heap)
        prog = compiled[row_kinds[i]]
        is_qs, rt, _lead, _tr, nxt, fail = prog[si]
        if is_qs:
            attempts += 1
            ok = (rand() >= p) if fixed else _bucket_take(qs_bucket, t, rate, burst)
            done = t + qs_lat
        else:
            ok = _bucket_take(ddb_bucket, t, ddb_rate, ddb_rate)
            done = t + ddb_lat
        if not ok:
            if rt is not None and k < rt[3]:
                d = rt[0] * rt[1] ** k
                if rt[2] is not None and d > rt[2]:
                    d = rt[2]
                if rt[4]:
                    d = uniform(0.0, d)
                retries += 1
                transitions += 1
                retry_wait += d
                seq += 1
                push(heap, (done + d, seq, i, si, k + 1))
                continue
            # retries exhausted: the Catch takes over
            if fail >= 0:
                exhausted += 1
                failed[i] = True
                nxt = fail
            else:
                unrecorded += 1
                outcomes["unrecorded"] += 1
                nxt = -2
        if nxt >= 0:
            step = prog[nxt]
            transitions += step[3]
            seq += 1
            push(heap, (done + step[2], seq, i, nxt, 0))
            continue
        # row finished
        if nxt == -1:
            outcomes["failed" if failed[i] else row_kinds[i]] += 1
        longest = max(longest, done - start[i])
        makespan = max(makespan, done)
        if next_row < n:
            launch(done)

    qs_calls = sum(_qs_calls_per_row(compiled[k]) for k in row_kinds)
    floor = qs_calls / rate if not fixed and rate else 0.0
    writes = n - unrecorded
    polls = scenario.table_polls * policy.table_poll_cycle
    lambda_seconds = scenario.prepare_seconds + scenario.export_seconds + 2 * n * scenario.lambda_seconds_per_row
    cost = pricing.run_cost(
        transitions=transitions + policy.parent_transitions + polls,
        lambda_invocations=2,
        lambda_gb_seconds=lambda_seconds * scenario.lambda_memory_mb / 1024,
        write_units=writes,
        read_units=math.ceil(n * scenario.record_bytes / 4096),
    )
    return Result(
        rows=n,
        makespan=makespan,
        floor=floor,
        qs_calls=qs_calls,
        attempts=attempts,
        retries=retries,
        retry_wait=retry_wait,
        longest_item=longest,
        exhausted=exhausted,
        unrecorded=unrecorded,
        outcomes=outcomes,
        transitions=transitions + policy.parent_transitions + polls,
        cost=cost,
    )


def with_concurrency(policy: Policy, max_concurrency: int) -> Policy:
    """The same policy with another MaxConcurrency (for sweeps without re-rendering)."""
    return replace(policy, max_concurrency=max_concurrency)


__all__ = [
    "DEFAULT_MIX",
    "Policy",
    "Result",
    "Retrier",
    "Scenario",
    "Step",
    "Timing",
    "find_map",
    "first_retrier",
    "policy_from_asl",
    "rendered_asl",
    "seed_policy_asl",
    "simulate",
    "with_concurrency",
]
