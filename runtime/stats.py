"""The statistics a journey's results carry (SPEC 12): Wilson intervals for rates, Newcombe's
hybrid score interval for a difference of two rates (from the two Wilson intervals, Newcombe 1998
method 10), and Beta posteriors for the variants' chance to be best and for Thompson sampling.

The normal quantile and the Beta functions are scipy.special's, and the sampling numpy's:
scipy.stats would give the same numbers (the tests check them against statsmodels) but takes
ten times as long to import, and a report is a command that starts, answers and ends."""
from __future__ import annotations

import math

import numpy as np
from scipy import special

LEVEL = 0.95
_Z = float(special.ndtri(1 - (1 - LEVEL) / 2))


def wilson(successes: int, trials: int) -> tuple[float, float, float]:
    """(rate, low, high) of a 95 % Wilson score interval; all zero when there were no trials."""
    if trials <= 0:
        return 0.0, 0.0, 0.0
    k, n, z2 = float(successes), float(trials), _Z * _Z
    center = (k + z2 / 2) / (n + z2)
    half = _Z * math.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
    return k / n, max(0.0, center - half), min(1.0, center + half)


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """(difference, low, high) of rate 1 minus rate 2, Newcombe's 95 % interval; zeros when a
    side has no trials."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, 0.0, 0.0
    p1, l1, u1 = wilson(k1, n1)
    p2, l2, u2 = wilson(k2, n2)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def p_best(standing: list[tuple[int, int]]) -> list[float]:
    """For (successes, trials) of each variant: the probability that its rate is the highest,
    under Beta(1 + successes, 1 + failures) posteriors. Integrated on a grid over where the
    posteriors have mass, so the same counts always give the same answer."""
    if len(standing) < 2:
        return [1.0] * len(standing)
    ab = [(1.0 + k, 1.0 + max(n - k, 0)) for k, n in standing]
    lo = min(float(special.betaincinv(a, b, 1e-12)) for a, b in ab)
    hi = max(float(special.betaincinv(a, b, 1 - 1e-12)) for a, b in ab)
    x = np.linspace(max(lo, 1e-15), min(hi, 1 - 1e-15), 8001)
    logx, log1x = np.log(x), np.log1p(-x)
    pdf = np.array([np.exp((a - 1) * logx + (b - 1) * log1x - special.betaln(a, b)) for a, b in ab])
    cdf = np.array([special.betainc(a, b, x) for a, b in ab])
    out = [float(np.trapezoid(pdf[i] * np.prod(np.delete(cdf, i, axis=0), axis=0), x)) for i in range(len(ab))]
    total = sum(out) or 1.0
    return [p / total for p in out]


def thompson(standing: list[tuple[int, int]], draw: float) -> int:
    """The variant Thompson sampling gives a contact: one sample from each posterior, the highest
    wins. `draw` in [0, 1) seeds the samples, so a contact's choice can be replayed."""
    rng = np.random.default_rng(int(draw * 2**63))
    return int(np.argmax([rng.beta(1 + k, 1 + max(n - k, 0)) for k, n in standing]))
