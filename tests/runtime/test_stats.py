"""The results' statistics against statsmodels and a large Monte Carlo draw."""
import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from switchback.runtime import stats


@pytest.mark.parametrize("k, n", [(0, 10), (5, 100), (50, 50), (1555, 19767), (7, 233)])
def test_wilson_equals_statsmodels(k, n):
    rate, low, high = stats.wilson(k, n)
    assert rate == k / n
    assert np.allclose((low, high), proportion_confint(k, n, method="wilson"), atol=1e-9)


@pytest.mark.parametrize("k1, n1, k2, n2", [(13, 100, 10, 100), (2342, 18036, 205, 1964), (0, 40, 3, 40)])
def test_newcombe_equals_statsmodels(k1, n1, k2, n2):
    d, low, high = stats.newcombe(k1, n1, k2, n2)
    assert np.allclose((low, high), confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff"),
                       atol=1e-9)


def test_p_best_matches_a_million_draws_of_the_posteriors():
    standing = [(30, 100), (38, 100), (33, 100)]
    rng = np.random.default_rng(1)
    draws = np.array([rng.beta(1 + k, 1 + n - k, 1_000_000) for k, n in standing])
    wins = np.bincount(draws.argmax(axis=0), minlength=3) / 1_000_000
    assert np.allclose(stats.p_best(standing), wins, atol=0.003)
    assert stats.wilson(0, 0) == (0.0, 0.0, 0.0) and stats.p_best([(1, 2)]) == [1.0]
