"""LODE spherical expansion of a finite structure by brute-force 3-D quadrature
(docs/science.md#lode), independent of the daemon's route (Coulomb potential of the basis
function averaged over a Gaussian, splined):

    c^i_{a n l m} = int d^3x R_n(|x|) Y_lm(x_hat) V_a^i(r_i + x),
    V_a^i(r) = sum_{j in a} w_ij phi_p(|r - r_j|),
    phi_p(r) = P(p/2, r^2 / 2 sigma^2) / r^p   (p = 1: erf(r / (sqrt(2) sigma)) / r),

w_ij = center_atom_weight for j = i, 1 otherwise (unit Gaussian charges of width sigma =
density_width, every atom, no cutoff). The integral runs on a product grid in spherical
coordinates around the centre: Gauss-Legendre panels in r out to the cutoff (the LODE basis
is the density basis restricted to the sphere r <= cutoff), Gauss-Legendre in cos(theta) and
the trapezoid rule in phi (exact for trigonometric polynomials), dense enough for the Gaussian
charges the shells pass through.
"""
import numpy as np
import scipy.special

from .radial import gto_widths, loewdin_matrix
from .spherical_harmonics import real_spherical_harmonics


def basis_functions(cutoff, max_radial, r):
    """R[n, ...] at radii r: the Loewdin-orthonormalised GTOs."""
    widths = gto_widths(cutoff, max_radial)
    primitives = np.array([r ** k * np.exp(-r * r / (2 * widths[k] ** 2)) for k in range(max_radial + 1)])
    return np.tensordot(loewdin_matrix(cutoff, max_radial), primitives, axes=1)


def _grid(cutoff, max_radial, sigma, n_theta, n_phi, panel):
    # panels of width <= panel ending exactly at the cutoff, where the basis stops
    nodes, weights = np.polynomial.legendre.leggauss(16)
    edges = np.linspace(0.0, cutoff, int(np.ceil(cutoff / panel)) + 1)
    r = np.concatenate([0.5 * (b - a) * nodes + 0.5 * (a + b) for a, b in zip(edges[:-1], edges[1:])])
    wr = np.concatenate([0.5 * (b - a) * weights for a, b in zip(edges[:-1], edges[1:])])
    t, wt = np.polynomial.legendre.leggauss(n_theta)
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    wphi = np.full(n_phi, 2 * np.pi / n_phi)
    sin_t = np.sqrt(1 - t * t)
    directions = np.stack([sin_t[:, None] * np.cos(phi)[None, :], sin_t[:, None] * np.sin(phi)[None, :],
                           np.broadcast_to(t[:, None], (n_theta, n_phi))], axis=-1).reshape(-1, 3)
    wangle = (wt[:, None] * wphi[None, :]).reshape(-1)
    return r, wr, directions, wangle


def smeared_potential(r, sigma, p=1.0):
    """phi_p(r) with P the regularised lower incomplete gamma function (scipy.special.gammainc);
    its limit (2 sigma^2)^(-p/2) / Gamma(p/2 + 1) at 0."""
    x = r * r / (2 * sigma * sigma)
    safe = np.where(r > 1e-8, r, 1.0)
    limit = (2 * sigma * sigma) ** (-p / 2) / scipy.special.gamma(p / 2 + 1)
    return np.where(r > 1e-8, scipy.special.gammainc(p / 2, x) / safe ** p, limit)


def lode_spherical_expansion(numbers, positions, hypers, species, n_theta=48, n_phi=96, panel=None,
                             potential_exponent=1.0):
    """{atom: c[a, lm, n]} of every atom of a finite structure (no cell)."""
    numbers = np.asarray(numbers)
    positions = np.asarray(positions, dtype=float)
    sigma = hypers["density_width"]
    L, N = hypers["max_angular"], hypers["max_radial"] + 1
    r, wr, directions, wangle = _grid(hypers["cutoff"], hypers["max_radial"], sigma, n_theta, n_phi,
                                      panel or min(sigma, 0.25))
    R = basis_functions(hypers["cutoff"], hypers["max_radial"], r)       # [n, r]
    Y = real_spherical_harmonics(L, directions)                         # [angle, lm]
    radial_weights = R * (wr * r * r)[None, :]                          # [n, r]
    angular_weights = Y * wangle[:, None]                               # [angle, lm]
    out = {}
    for i in range(len(numbers)):
        points = positions[i] + r[:, None, None] * directions[None, :, :]  # [r, angle, 3]
        c = np.zeros((len(species), (L + 1) ** 2, N))
        for a, z in enumerate(species):
            potential = np.zeros(points.shape[:2])
            for j in np.flatnonzero(numbers == z):
                distance = np.linalg.norm(points - positions[j], axis=-1)
                phi = smeared_potential(distance, sigma, potential_exponent)
                potential += (hypers["center_atom_weight"] if j == i else 1.0) * phi
            c[a] = np.einsum("ra,al,nr->ln", potential, angular_weights, radial_weights)
        out[i] = c
    return out
