"""Expected time to the first human response: a pure function of the queue.

The estimator plays the team's queue forward ("virtual schedule"). Every available
agent becomes free when the case they are working on is expected to be done (the team's
recent mean handling time after they took it, at least a small remainder); free agents
take the cases ahead in pull order one by one; the case in question starts when the
next agent becomes free, and its first reply comes the team's recent mean
claim-to-first-reply time after that. The result is in business seconds; the caller
turns it into a clock time with the team's calendar. ``docs/waiting.md`` explains the
choices and the benchmark that measures the error.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

MIN_REMAINDER_FRACTION = 0.15  # an agent past the mean is still expected to need a bit


@dataclass(frozen=True)
class QueueSnapshot:
    ahead: int  # waiting cases that will be taken before this one
    working_elapsed: Sequence[float | None]  # per available agent: seconds on current case
    mean_handle_seconds: float  # recent mean time an agent spends per case
    mean_first_reply_seconds: float  # recent mean time from taking a case to first reply
    fallback_agents: int = 1  # assumed when nobody is available or returning
    returning_in: Sequence[float] = ()  # members away with a return time: seconds until back


@dataclass(frozen=True)
class WaitEstimateResult:
    seconds: float
    basis: str  # "queue" (agents available) or "no_agents" (assumed fallback agents)
    agents: int
    # The part of ``seconds`` after a member has taken the case (the time to the first
    # reply). The rest is business time; this part runs on past closing, as a member
    # finishes what they took.
    reply_seconds: float = 0.0


def _remaining(elapsed: float | None, mean_handle: float) -> float:
    if elapsed is None:
        return 0.0
    return max(mean_handle - elapsed, MIN_REMAINDER_FRACTION * mean_handle)


def expected_wait(snapshot: QueueSnapshot) -> WaitEstimateResult:
    if snapshot.ahead < 0:
        raise ValueError("ahead must not be negative")
    if snapshot.mean_handle_seconds <= 0 or snapshot.mean_first_reply_seconds < 0:
        raise ValueError("handling times must be positive")
    handle = snapshot.mean_handle_seconds
    if snapshot.working_elapsed or snapshot.returning_in:
        free_at = [_remaining(e, handle) for e in snapshot.working_elapsed]
        free_at += [max(0.0, r) for r in snapshot.returning_in]
        basis = "queue"
    else:
        # Nobody is available now: assume the fallback agents come back and are, on
        # average, halfway through something.
        free_at = [handle / 2] * max(1, snapshot.fallback_agents)
        basis = "no_agents"
    heapq.heapify(free_at)
    for _ in range(snapshot.ahead):
        t = heapq.heappop(free_at)
        heapq.heappush(free_at, t + handle)
    start = free_at[0]
    reply = snapshot.mean_first_reply_seconds
    return WaitEstimateResult(
        seconds=start + reply, basis=basis, agents=len(free_at), reply_seconds=reply
    )
