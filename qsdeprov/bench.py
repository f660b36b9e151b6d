"""``make bench``: simulated makespan / floor for the module's defaults and the seed's policy.

floor = QuickSight calls the rows need / R: the fastest any run can go at R requests/s.
Writes docs/bench.md (generated tables) and docs/bench.png, and prints the tables.

    python -m qsdeprov.bench [--out docs] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import simulator

ROWS = (900, 2200, 100_000)
RATES = (2.0, 5.0, 10.0, 25.0, 50.0)
SEED_CONCURRENCY = 100


@dataclass(frozen=True)
class Case:
    label: str
    policy: simulator.Policy


@dataclass(frozen=True)
class Cell:
    case: str
    rows: int
    rate: float
    result: simulator.Result


def cases() -> list[Case]:
    """(a) the module defaults at a few MaxConcurrency values, (b) the seed's original policy."""
    defaults = simulator.policy_from_asl(simulator.rendered_asl())
    c0 = defaults.max_concurrency
    out = [Case(f"defaults, MaxConcurrency {c0}", defaults)]
    for c in (c0 // 2, c0 * 2):
        out.append(Case(f"defaults' retry, MaxConcurrency {c}", simulator.with_concurrency(defaults, c)))
    seed = simulator.policy_from_asl(simulator.seed_policy_asl(max_concurrency=SEED_CONCURRENCY))
    out.append(Case(f"seed policy, MaxConcurrency {SEED_CONCURRENCY}", seed))
    return out


def run(seed: int = 0, rows: Sequence[int] = ROWS, rates: Sequence[float] = RATES) -> list[Cell]:
    return [
        Cell(case.label, n, r, simulator.simulate(case.policy, simulator.Scenario(rows=n, rate=r), seed))
        for case in cases()
        for n in rows
        for r in rates
    ]


def _fmt_ratio(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def _fmt_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172_800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86_400:.1f} d"


def ratio_table(cells: Sequence[Cell], rates: Sequence[float] = RATES) -> list[str]:
    head = "| policy | N | " + " | ".join(f"R={r:g}/s" for r in rates) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(rates)]
    keys = dict.fromkeys((c.case, c.rows) for c in cells)
    for case, n in keys:
        row = {c.rate: c.result for c in cells if c.case == case and c.rows == n}
        marks = []
        for r in rates:
            res = row[r]
            mark = _fmt_ratio(res.ratio) + (f" ({res.exhausted} failed)" if res.exhausted + res.unrecorded else "")
            marks.append(mark)
        lines.append(f"| {case} | {n:,} | " + " | ".join(marks) + " |")
    return lines


def detail_table(cells: Sequence[Cell], rows: int = 2200) -> list[str]:
    lines = [
        "| policy | R | makespan | floor | ratio | retries | longest row | rows FAILED by throttling | cost (USD) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        if c.rows != rows:
            continue
        r = c.result
        lines.append(
            f"| {c.case} | {c.rate:g}/s | {_fmt_seconds(r.makespan)} | {_fmt_seconds(r.floor)} | {_fmt_ratio(r.ratio)} "
            f"| {r.retries:,} | {_fmt_seconds(r.longest_item)} | {r.exhausted + r.unrecorded} | {r.cost.total:.3f} |"
        )
    return lines


def policy_lines() -> list[str]:
    defaults = simulator.policy_from_asl(simulator.rendered_asl())
    d = defaults.retrier("describe")
    seed = simulator.policy_from_asl(simulator.seed_policy_asl(max_concurrency=SEED_CONCURRENCY))
    sr = seed.retrier("describe")
    assert d is not None and sr is not None
    return [
        f"- defaults (config.MODULE_DEFAULTS, read back from the rendered ASL): MaxConcurrency "
        f"{defaults.max_concurrency}, IntervalSeconds {d.interval:g}, BackoffRate {d.backoff:g}, "
        f"MaxDelaySeconds {d.max_delay:g}, MaxAttempts {d.max_attempts}, JitterStrategy {d.jitter}.",
        f"- seed policy: the template rendered with MaxConcurrency {SEED_CONCURRENCY}, IntervalSeconds "
        f"{sr.interval:g}, BackoffRate {sr.backoff:g}, MaxAttempts {sr.max_attempts}, then every Retrier of the "
        "rendered dict edited: MaxDelaySeconds removed and JitterStrategy set to NONE (our template always "
        "writes both, the seed had neither).",
    ]


def plot(cells: Sequence[Cell], path: Path, rates: Sequence[float] = RATES) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    sizes = sorted({c.rows for c in cells})
    fig, axes = plt.subplots(1, len(sizes), figsize=(5 * len(sizes), 4.2), sharey=True)
    for ax, n in zip(axes, sizes, strict=True):
        for case in dict.fromkeys(c.case for c in cells):
            ys = [next(c.result.ratio for c in cells if c.case == case and c.rows == n and c.rate == r) for r in rates]
            ax.plot(rates, ys, marker="o", label=case)
        ax.axhline(1.3, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(list(rates), [f"{r:g}" for r in rates])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_title(f"N = {n:,} rows")
        ax.set_xlabel("QuickSight rate limit R (requests/s)")
    axes[0].set_ylabel("makespan / floor (dashed: 1.3)")
    axes[-1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(cells: Sequence[Cell], seed: int, seconds: float) -> str:
    t = simulator.Timing()
    return "\n".join(
        [
            "# Throughput benchmark (generated)",
            "",
            "Generated by `make bench` (`python -m qsdeprov.bench`); do not edit by hand. "
            f"Simulator seed {seed}; the sweep took {seconds:.0f} s.",
            "",
            "Simulated makespan of the Map divided by the floor (QuickSight calls the rows need / R). "
            "1.00 = as fast as the API allows; `(k failed)` = rows that exhausted their retries "
            "and end FAILED in the report. Row mix: "
            + ", ".join(f"{k} {v:.0%}" for k, v in simulator.DEFAULT_MIX.items())
            + f". Latencies assumed: QuickSight call {t.qs_call} s, DynamoDB put {t.ddb_call} s, "
            f"{t.per_state} s per state, {t.item_start} s per child execution start "
            "(see docs/throughput.md).",
            "",
            *policy_lines(),
            "",
            "## makespan / floor",
            "",
            *ratio_table(cells),
            "",
            "## N = 2,200 in detail",
            "",
            *detail_table(cells),
            "",
            "![makespan / floor](bench.png)",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    cells = run(args.seed)
    seconds = time.monotonic() - t0
    print("\n".join(policy_lines()))
    print()
    print("\n".join(ratio_table(cells)))
    print()
    print("\n".join(detail_table(cells)))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.md").write_text(markdown(cells, args.seed, seconds), encoding="utf-8")
    plot(cells, args.out / "bench.png")
    print(f"\nwrote {args.out / 'bench.md'} and {args.out / 'bench.png'} (simulation {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
