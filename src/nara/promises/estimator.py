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
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

MIN_REMAINDER_FRACTION = 0.15  # an agent past the mean is still expected to need a bit


@dataclass(frozen=True)
class QueueSnapshot:
    ahead: int  # waiting cases that will be taken before this one
    working_elapsed: Sequence[float | None]  # per available agent: seconds on current case
    mean_handle_seconds: float  # recent mean time an agent spends per case
    mean_first_reply_seconds: float  # recent mean time from taking a case to first reply
    fallback_agents: int = 1  # assumed when nobody is available or returning
    returning_in: Sequence[float] = ()  # members away with a return time: seconds until back
    # Spread of the recent handling times: the standard deviation of their logarithms
    # (0: unknown, then a member past the mean needs MIN_REMAINDER_FRACTION of it).
    handle_log_sd: float = 0.0


@dataclass(frozen=True)
class WaitEstimateResult:
    seconds: float
    basis: str  # "queue" (agents available) or "no_agents" (assumed fallback agents)
    agents: int
    # The part of ``seconds`` after a member has taken the case (the time to the first
    # reply). The rest is business time; this part runs on past closing, as a member
    # finishes what they took.
    reply_seconds: float = 0.0


def _normal_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def remaining_seconds(elapsed: float | None, mean_handle: float, log_sd: float = 0.0) -> float:
    """Expected time left on a case a member has worked on for ``elapsed`` seconds.

    With a known spread, handling times are taken as log-normal with the team's mean and
    ``log_sd``, and the answer is the mean remaining life E[H - e | H > e]: a member far
    past the mean is likely on a long case and still needs a while. Without it, the mean
    minus the time spent, at least :data:`MIN_REMAINDER_FRACTION` of the mean."""
    if elapsed is None:
        return 0.0
    floor = MIN_REMAINDER_FRACTION * mean_handle
    if log_sd <= 0 or elapsed <= 0:
        return max(mean_handle - max(elapsed, 0.0), floor)
    mu = math.log(mean_handle) - log_sd**2 / 2
    z = (math.log(elapsed) - mu) / log_sd
    tail = _normal_tail(z)
    if tail < 1e-12:  # far beyond every recent case: the plain rule
        return floor
    beyond = mean_handle * _normal_tail(z - log_sd) / tail  # E[H | H > e]
    return max(beyond - elapsed, floor)


def expected_wait(snapshot: QueueSnapshot) -> WaitEstimateResult:
    if snapshot.ahead < 0:
        raise ValueError("ahead must not be negative")
    if snapshot.mean_handle_seconds <= 0 or snapshot.mean_first_reply_seconds < 0:
        raise ValueError("handling times must be positive")
    handle = snapshot.mean_handle_seconds
    working: list[float | None]
    if snapshot.working_elapsed or snapshot.returning_in:
        working = list(snapshot.working_elapsed)
        returning = [max(0.0, r) for r in snapshot.returning_in]
        basis = "queue"
    else:
        # Nobody is available now: assume the fallback agents come back and are, on
        # average, halfway through something.
        working, returning = [], [handle / 2] * max(1, snapshot.fallback_agents)
        basis = "no_agents"
    agents = len(working) + len(returning)
    if snapshot.handle_log_sd > 0:
        start = _median_start(snapshot.ahead, working, returning, handle, snapshot.handle_log_sd)
    else:
        free_at = [remaining_seconds(e, handle) for e in working] + returning
        heapq.heapify(free_at)
        for _ in range(snapshot.ahead):
            t = heapq.heappop(free_at)
            heapq.heappush(free_at, t + handle)
        start = free_at[0]
    reply = snapshot.mean_first_reply_seconds * math.exp(-(snapshot.handle_log_sd**2) / 2)
    return WaitEstimateResult(
        seconds=start + reply, basis=basis, agents=agents, reply_seconds=reply
    )


SAMPLE_DRAWS = 2000  # handling times drawn per estimate at most (about a millisecond)
SAMPLES = 51  # plays of the queue (fewer when the queue is long)
PLAYED_PER_MEMBER = 3  # cases ahead played one by one per member; beyond, at the mean rate


def _median_start(
    ahead: int,
    working: Sequence[float | None],
    returning: Sequence[float],
    handle: float,
    log_sd: float,
) -> float:
    """The median time until a member takes the case: the queue played forward many
    times with log-normal handling times (the team's mean and spread), current cases
    drawn beyond the time already spent. Cases far down a long queue are added at the
    mean rate (``handle`` per member), where the spread hardly matters. Deterministic
    (a fixed seed), and bounded: at most about SAMPLE_DRAWS handling times."""
    free_now = sum(1 for e in working if e is None)
    if free_now > ahead:
        return 0.0  # a member is free for it now
    members = len(working) + len(returning)
    played = min(ahead, PLAYED_PER_MEMBER * members)
    rest = (ahead - played) * handle / members
    samples = max(5, min(SAMPLES, SAMPLE_DRAWS // (len(working) + played + 1)))
    rng = random.Random(0)  # noqa: S311 - a model, not a secret
    mu = math.log(handle) - log_sd**2 / 2
    normal = NormalDist()
    starts = []
    for _ in range(samples):
        free_at = list(returning)
        for elapsed in working:
            if elapsed is None:
                free_at.append(0.0)
                continue
            # a handling time beyond ``elapsed``, by the inverse of the distribution
            low = normal.cdf((math.log(elapsed) - mu) / log_sd) if elapsed > 0 else 0.0
            u = min(low + (1 - low) * rng.random(), 1 - 1e-12)
            total = math.exp(mu + log_sd * normal.inv_cdf(max(u, 1e-12)))
            free_at.append(max(total - elapsed, MIN_REMAINDER_FRACTION * handle))
        heapq.heapify(free_at)
        for _ in range(played):
            t = heapq.heappop(free_at)
            heapq.heappush(free_at, t + rng.lognormvariate(mu, log_sd))
        starts.append(free_at[0])
    return statistics.median(starts) + rest
