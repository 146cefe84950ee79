"""The statistics a journey's results carry (SPEC 12), from scipy: Wilson intervals for rates,
Newcombe's hybrid score interval for a difference of two rates (built from the two Wilson
intervals, as Newcombe 1998 method 10 does), and Beta posteriors for the variants' chance to be
best and for Thompson sampling."""
from __future__ import annotations

import numpy as np
from scipy import stats

LEVEL = 0.95


def wilson(successes: int, trials: int) -> tuple[float, float, float]:
    """(rate, low, high) of a 95 % Wilson score interval; all zero when there were no trials."""
    if trials <= 0:
        return 0.0, 0.0, 0.0
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=LEVEL, method="wilson")
    return successes / trials, float(ci.low), float(ci.high)


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """(difference, low, high) of rate 1 minus rate 2, Newcombe's 95 % interval; zeros when a
    side has no trials."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, 0.0, 0.0
    p1, l1, u1 = wilson(k1, n1)
    p2, l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return d, d - float(np.hypot(p1 - l1, u2 - p2)), d + float(np.hypot(u1 - p1, p2 - l2))


def p_best(standing: list[tuple[int, int]]) -> list[float]:
    """For (successes, trials) of each variant: the probability that its rate is the highest,
    under Beta(1 + successes, 1 + failures) posteriors. Integrated on a grid over where the
    posteriors have mass, so the same counts always give the same answer."""
    if not standing:
        return []
    dists = [stats.beta(1 + k, 1 + max(n - k, 0)) for k, n in standing]
    if len(dists) == 1:
        return [1.0]
    lo = min(float(d.ppf(1e-12)) for d in dists)
    hi = max(float(d.isf(1e-12)) for d in dists)
    x = np.linspace(lo, hi, 8001)
    pdf = np.array([d.pdf(x) for d in dists])
    cdf = np.array([d.cdf(x) for d in dists])
    out = []
    for i in range(len(dists)):
        others = np.prod(np.delete(cdf, i, axis=0), axis=0)
        out.append(float(np.trapezoid(pdf[i] * others, x)))
    total = sum(out) or 1.0
    return [p / total for p in out]


def thompson(standing: list[tuple[int, int]], draw: float) -> int:
    """The variant Thompson sampling gives a contact: one sample from each posterior, the highest
    wins. `draw` in [0, 1) seeds the samples, so a contact's choice can be replayed."""
    rng = np.random.default_rng(int(draw * 2**63))
    samples = [rng.beta(1 + k, 1 + max(n - k, 0)) for k, n in standing]
    return int(np.argmax(samples))
