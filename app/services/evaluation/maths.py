"""The small statistics of paired answers: mean change and its 95 % confidence interval.

The interval is mean ± t(0.975, n-1) · s / √n, with s the sample standard deviation of the
changes (after - before) and t the Student quantile, computed here from the regularised
incomplete beta function (continued fraction, as in Numerical Recipes §6.4) and bisection, so no
statistics library is needed. Everything works from sums (n, Σd, Σd²), which add up across groups:
one GROUP BY gives every row of a report and its total.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

_EPS = 3e-14
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def normal_quantile(p: float) -> float:
    """The z with Φ(z) = p, by bisection on the error function (exact to 1e-12)."""
    low, high = -40.0, 40.0
    while high - low > 1e-12:
        mid = (low + high) / 2.0
        if 0.5 * math.erfc(-mid / math.sqrt(2.0)) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: int) -> float:
    """The t with P(T <= t) = p (0.5 < p < 1).

    Up to 30 degrees of freedom by bisection on t_cdf; above, the Cornish-Fisher expansion around
    the normal quantile (Abramowitz & Stegun 26.7.5), within 1e-6 there, where the continued
    fraction would need hundreds of steps per evaluation (national reports have n in the 100,000s)."""
    if df < 1 or not 0.5 < p < 1.0:
        raise ValueError("need df >= 1 and 0.5 < p < 1")
    if df > 30:
        z = normal_quantile(p)
        g1 = (z ** 3 + z) / 4
        g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
        g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
        g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
        return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-10:
            break
    return (low + high) / 2.0


@dataclass(frozen=True)
class Change:
    """The mean change of n paired answers with its 95 % confidence interval (None below 2)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_change(n: int, total: float, total_squares: float, level: float = 0.95) -> Change:
    """Mean of the changes and its confidence interval from n, Σd and Σd²."""
    if n < 1:
        return Change(n, None, None, None)
    mean = total / n
    if n < 2:
        return Change(n, mean, None, None)
    variance = max((total_squares - n * mean * mean) / (n - 1), 0.0)
    half = t_quantile(1.0 - (1.0 - level) / 2.0, n - 1) * math.sqrt(variance / n)
    return Change(n, mean, mean - half, mean + half)
