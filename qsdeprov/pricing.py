"""Public AWS prices used by the capacity simulator, in one place.

All prices are on-demand list prices for US East (N. Virginia), in USD, without free tiers
(a monthly run of a few thousand rows would mostly fit in them). Checked 2026-05 against
stored copies of the public pricing pages named next to each price; where a number could only
be confirmed from a secondary source, the comment says so. Re-check before quoting a bill.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Step Functions Standard workflows: per state transition, retries included ("each retry
#: will be charged as an additional state transition").
#: Source: https://aws.amazon.com/step-functions/pricing/ ("$0.025 per 1,000 state
#: transitions", US East (N. Virginia) row of the state transitions pricing table).
SFN_STANDARD_PER_TRANSITION = 0.025 / 1_000

#: Lambda requests: $0.20 per 1M requests.
#: Source: https://aws.amazon.com/lambda/pricing/ (the request charge is rendered by a client-side
#: price token there; confirmed from a transcription of that page and several calculators).
LAMBDA_PER_REQUEST = 0.20 / 1_000_000

#: Lambda duration, x86_64, first pricing tier: $0.0000166667 per GB-second.
#: Source: https://aws.amazon.com/lambda/pricing/ - NOT verified on the page itself (the rate is a
#: client-side price token in the stored copy); confirmed only from secondary sources quoting it.
LAMBDA_PER_GB_SECOND = 0.0000166667

#: DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request
#: units (the prices after the November 2024 on-demand price cut).
#: Source: https://aws.amazon.com/dynamodb/pricing/on-demand/ - NOT verified on the page itself
#: (the stored copy has the definitions but not the figures); confirmed from a secondary source.
DYNAMODB_PER_WRITE_REQUEST_UNIT = 0.625 / 1_000_000
DYNAMODB_PER_READ_REQUEST_UNIT = 0.125 / 1_000_000

#: Creating and deleting a DynamoDB table is free; storage is $0.25 per GB-month after the first
#: 25 GB (a run's table lives minutes and holds kilobytes, so it is counted as zero).
#: Source: https://aws.amazon.com/dynamodb/pricing/on-demand/ (same caveat as above).
DYNAMODB_TABLE = 0.0

#: QuickSight user API calls have no per-call charge.
QUICKSIGHT_PER_CALL = 0.0


@dataclass(frozen=True)
class Cost:
    """Cost of one run, per service, in USD."""

    step_functions: float
    lambda_: float
    dynamodb: float

    @property
    def total(self) -> float:
        return self.step_functions + self.lambda_ + self.dynamodb


def run_cost(
    *,
    transitions: int,
    lambda_invocations: int,
    lambda_gb_seconds: float,
    write_units: float,
    read_units: float,
) -> Cost:
    """Price a run from its usage counts."""
    return Cost(
        step_functions=transitions * SFN_STANDARD_PER_TRANSITION,
        lambda_=lambda_invocations * LAMBDA_PER_REQUEST + lambda_gb_seconds * LAMBDA_PER_GB_SECOND,
        dynamodb=write_units * DYNAMODB_PER_WRITE_REQUEST_UNIT
        + read_units * DYNAMODB_PER_READ_REQUEST_UNIT
        + DYNAMODB_TABLE,
    )
