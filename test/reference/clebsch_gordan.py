"""Clebsch-Gordan coefficients: complex ones exact (Racah's formula in integers and
fractions), real ones by the unitary change of basis of spherical_harmonics.py."""
from fractions import Fraction
from functools import lru_cache
from math import factorial, sqrt

import numpy as np

from .spherical_harmonics import complex_to_real_matrix


def complex_clebsch_gordan(j1, m1, j2, m2, j, m):
    """<j1 m1; j2 m2 | j m> for integer angular momenta (Condon-Shortley convention)."""
    if m1 + m2 != m or not abs(j1 - j2) <= j <= j1 + j2:
        return 0.0
    if abs(m1) > j1 or abs(m2) > j2 or abs(m) > j:
        return 0.0
    f = factorial
    squared = Fraction(
        (2 * j + 1) * f(j + j1 - j2) * f(j - j1 + j2) * f(j1 + j2 - j), f(j1 + j2 + j + 1)
    ) * (f(j + m) * f(j - m) * f(j1 - m1) * f(j1 + m1) * f(j2 - m2) * f(j2 + m2))
    total = Fraction(0)
    for k in range(0, j1 + j2 - j + 1):
        denominators = (j1 + j2 - j - k, j1 - m1 - k, j2 + m2 - k, j - j2 + m1 + k, j - j1 - m2 + k)
        if min(denominators) < 0:
            continue
        d = f(k)
        for x in denominators:
            d *= f(x)
        total += Fraction((-1) ** k, d)
    # value = total * sqrt(squared), evaluated as sign * sqrt(total^2 * squared) exactly
    # up to the final rounding.
    exact_square = total * total * squared
    value = sqrt(exact_square.numerator) / sqrt(exact_square.denominator)
    return value if total >= 0 else -value


@lru_cache(maxsize=None)
def complex_cg_tensor(l1, l2, lam):
    c = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * lam + 1))
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            if abs(m1 + m2) <= lam:
                c[m1 + l1, m2 + l2, m1 + m2 + lam] = complex_clebsch_gordan(l1, m1, l2, m2, lam, m1 + m2)
    return c


@lru_cache(maxsize=None)
def real_cg_tensor(l1, l2, lam):
    """C[m1+l1, m2+l2, mu+lam] such that sum C a_m1 b_m2 couples real harmonics to lambda.

    C_real = U^lam C U^{l1 *} U^{l2 *}; it is purely real when l1 + l2 + lam is even and
    purely imaginary otherwise: keep the non-zero part (real part, or imaginary part)."""
    u1, u2, u = (complex_to_real_matrix(l) for l in (l1, l2, lam))
    c = complex_cg_tensor(l1, l2, lam)
    real = np.einsum("aA,bB,cC,ABC->abc", u1.conj(), u2.conj(), u, c)
    if (l1 + l2 + lam) % 2 == 0:
        assert np.abs(real.imag).max() < 1e-12
        return np.ascontiguousarray(real.real)
    assert np.abs(real.real).max() < 1e-12
    return np.ascontiguousarray(real.imag)
