"""GTO radial basis orthonormalised by Loewdin, and the radial integral of a Gaussian
density on it, by adaptive quadrature (docs/science.md#radial-basis, docs/science.md#radial-integral):

    I_nl(r) = 4 pi exp(-r^2/(2 sigma^2)) int_0^inf dx x^2 R_n(x) exp(-x^2/(2 sigma^2)) i_l(x r/sigma^2)

exp(-(r^2 + x^2)/(2 sigma^2)) i_l(x r/sigma^2) overflows for large arguments, so it is
evaluated as exp(-(x - r)^2/(2 sigma^2)) * [exp(-z) i_l(z)], with the scaled Bessel
exp(-z) i_l(z) = sqrt(pi/(2z)) ive(l + 1/2, z).
"""
import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.special


def gto_widths(cutoff, max_radial):
    n_rad = max_radial + 1
    return np.array([cutoff * max(np.sqrt(n), 1.0) / n_rad for n in range(n_rad)])


def gto_overlap(cutoff, max_radial):
    """S_nk = int_0^inf x^2 x^n x^k exp(-x^2 (1/s_n^2 + 1/s_k^2)/2) dx, in closed form."""
    s = gto_widths(cutoff, max_radial)
    n = np.arange(max_radial + 1)
    a = 0.5 * (1 / s[:, None] ** 2 + 1 / s[None, :] ** 2)
    p = n[:, None] + n[None, :] + 2  # int x^p exp(-a x^2) = Gamma((p+1)/2) / (2 a^((p+1)/2))
    return scipy.special.gamma((p + 1) / 2) / (2 * a ** ((p + 1) / 2))


def loewdin_matrix(cutoff, max_radial):
    """S^(-1/2): R_n = sum_k W[n, k] x^k exp(-x^2/(2 s_k^2)) is orthonormal with weight x^2."""
    w, v = scipy.linalg.eigh(gto_overlap(cutoff, max_radial))
    return (v / np.sqrt(w)) @ v.T


def scaled_spherical_in(l, z):
    """exp(-z) i_l(z), without overflow."""
    if z < 1.0:
        return np.exp(-z) * scipy.special.spherical_in(l, z)
    return np.sqrt(np.pi / (2 * z)) * scipy.special.ive(l + 0.5, z)


def primitive_integral(k, l, r, s_k, sigma):
    """4 pi int x^2 x^k exp(-x^2/(2 s_k^2)) exp(-(x^2+r^2)/(2 sigma^2)) i_l(x r/sigma^2) dx."""
    def integrand(x):
        z = x * r / sigma**2
        return x ** (2 + k) * np.exp(-x * x / (2 * s_k**2) - (x - r) ** 2 / (2 * sigma**2)) * scaled_spherical_in(l, z)

    # the density factor exp(-(x-r)^2/2sigma^2) confines the integrand to |x - r| < 40 sigma
    # (outside, it is below exp(-800) of its peak).
    upper = r + 40 * sigma
    lower = max(0.0, r - 40 * sigma)
    points = [p for p in (r,) if lower < p < upper]
    value, _ = scipy.integrate.quad(integrand, lower, upper, points=points or None,
                                    epsabs=0.0, epsrel=1e-13, limit=500)
    return 4 * np.pi * value


class RadialIntegral:
    def __init__(self, cutoff, max_radial, max_angular, density_width):
        self.cutoff = cutoff
        self.max_radial = max_radial
        self.max_angular = max_angular
        self.sigma = density_width
        self.widths = gto_widths(cutoff, max_radial)
        self.loewdin = loewdin_matrix(cutoff, max_radial)
        self._cache = {}

    def __call__(self, r):
        """I[l, n] at distance r."""
        r = float(r)
        if r not in self._cache:
            self._cache[r] = self._compute(r)
        return self._cache[r]

    def _compute(self, r):
        primitives = np.array([
            [primitive_integral(k, l, r, self.widths[k], self.sigma) for k in range(self.max_radial + 1)]
            for l in range(self.max_angular + 1)
        ])
        return primitives @ self.loewdin.T
