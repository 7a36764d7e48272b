"""Self-checks of the reference implementation (no daemon): each building block against
an independent computation, and the symmetries of docs/science.md#correctness-criteria."""
import math

import numpy as np
import pytest
import scipy.integrate
from scipy.spatial.transform import Rotation

from reference import Hypers, lambda_soap, power_spectrum, spherical_expansion
from reference.acdc import bispectrum_value, cutoff_function, species_of
from reference.clebsch_gordan import complex_clebsch_gordan, real_cg_tensor
from reference.radial import RadialIntegral, gto_widths, loewdin_matrix
from reference.spherical_harmonics import (complex_to_real_matrix, real_spherical_harmonics,
                                           wigner_d_real, _complex_sph_harm)
from systems import HYPERS, molecule, periodic_cell

H = Hypers(**HYPERS)
RNG = np.random.default_rng(2024)


def test_real_harmonics_explicit_forms():
    v = RNG.normal(size=(20, 3))
    x, y, z = (v / np.linalg.norm(v, axis=1)[:, None]).T
    Y = real_spherical_harmonics(2, v)
    np.testing.assert_allclose(Y[:, 0], 0.5 / math.sqrt(math.pi), rtol=1e-14)
    np.testing.assert_allclose(Y[:, 1:4], math.sqrt(3 / (4 * math.pi)) * np.stack([y, z, x], 1), atol=1e-14)
    c = 0.5 * math.sqrt(15 / math.pi)
    np.testing.assert_allclose(Y[:, 4], c * x * y, atol=1e-14)
    np.testing.assert_allclose(Y[:, 6], 0.25 * math.sqrt(5 / math.pi) * (3 * z * z - 1), atol=1e-14)
    np.testing.assert_allclose(Y[:, 8], 0.5 * c * (x * x - y * y), atol=1e-14)


def test_real_harmonics_orthonormal():
    # Lebedev-free check: Monte Carlo would be too coarse, so integrate on a product grid.
    nodes, weights = np.polynomial.legendre.leggauss(20)
    phi = np.linspace(0, 2 * np.pi, 41)[:-1]
    ct, ph = np.meshgrid(nodes, phi, indexing="ij")
    st = np.sqrt(1 - ct * ct)
    points = np.stack([st * np.cos(ph), st * np.sin(ph), ct], -1).reshape(-1, 3)
    w = np.repeat(weights, len(phi)) * (2 * np.pi / len(phi))
    Y = real_spherical_harmonics(5, points)
    np.testing.assert_allclose((Y * w[:, None]).T @ Y, np.eye(36), atol=1e-12)


@pytest.mark.parametrize("l", [0, 1, 2, 3, 4])
def test_complex_to_real_is_unitary_and_maps_harmonics(l):
    u = complex_to_real_matrix(l)
    np.testing.assert_allclose(u @ u.conj().T, np.eye(2 * l + 1), atol=1e-14)
    v = RNG.normal(size=(7, 3))
    polar = np.arccos(v[:, 2] / np.linalg.norm(v, axis=1))
    azimuth = np.mod(np.arctan2(v[:, 1], v[:, 0]), 2 * np.pi)
    complex_y = np.array([_complex_sph_harm(l, m, polar, azimuth) for m in range(-l, l + 1)])
    np.testing.assert_allclose((u @ complex_y).T, real_spherical_harmonics(l, v)[:, l * l:], atol=1e-13)


def test_complex_clebsch_gordan_known_values_and_orthogonality():
    assert complex_clebsch_gordan(1, 1, 1, -1, 0, 0) == pytest.approx(1 / math.sqrt(3), rel=1e-15)
    assert complex_clebsch_gordan(1, 0, 1, 0, 2, 0) == pytest.approx(math.sqrt(2 / 3), rel=1e-15)
    assert complex_clebsch_gordan(1, 1, 1, 0, 1, 1) == pytest.approx(1 / math.sqrt(2), rel=1e-15)
    assert complex_clebsch_gordan(2, 1, 1, 1, 3, 2) == pytest.approx(math.sqrt(2 / 3), rel=1e-15)
    l1, l2 = 3, 2
    # completeness: the squares summed over every coupled and uncoupled state count the states
    total = sum(complex_clebsch_gordan(l1, m1, l2, m2, j, m1 + m2) ** 2
                for j in range(1, 6) for m1 in range(-l1, l1 + 1) for m2 in range(-l2, l2 + 1))
    assert total == pytest.approx((2 * l1 + 1) * (2 * l2 + 1), rel=1e-13)


@pytest.mark.parametrize("l1,l2,lam", [(1, 1, 0), (1, 1, 1), (2, 1, 2), (2, 3, 3), (3, 3, 4), (3, 2, 1)])
def test_real_clebsch_gordan_is_orthogonal_and_equivariant(l1, l2, lam):
    cg = real_cg_tensor(l1, l2, lam)
    matrix = cg.reshape(-1, 2 * lam + 1)
    np.testing.assert_allclose(matrix.T @ matrix, np.eye(2 * lam + 1), atol=1e-14)
    rotation = Rotation.random(random_state=5).as_matrix()
    d1, d2, d = (wigner_d_real(l, rotation) for l in (l1, l2, lam))
    a, b = RNG.normal(size=2 * l1 + 1), RNG.normal(size=2 * l2 + 1)
    couple = lambda x, y: np.einsum("abm,a,b->m", cg, x, y)  # noqa: E731
    np.testing.assert_allclose(couple(d1 @ a, d2 @ b), d @ couple(a, b), atol=1e-13)


@pytest.mark.parametrize("l", [0, 1, 2, 3])
def test_real_clebsch_gordan_to_scalar_is_the_power_spectrum_factor(l):
    np.testing.assert_allclose(real_cg_tensor(l, l, 0)[:, :, 0], (-1) ** l / math.sqrt(2 * l + 1) * np.eye(2 * l + 1),
                               atol=1e-15)


def test_radial_basis_is_orthonormal():
    w, s = loewdin_matrix(H.cutoff, H.max_radial), gto_widths(H.cutoff, H.max_radial)

    def radial(n, x):
        return sum(w[n, k] * x ** k * np.exp(-x * x / (2 * s[k] ** 2)) for k in range(H.max_radial + 1))

    gram = [[scipy.integrate.quad(lambda x: x * x * radial(a, x) * radial(b, x), 0, np.inf, epsrel=1e-13)[0]
             for b in range(H.max_radial + 1)] for a in range(H.max_radial + 1)]
    np.testing.assert_allclose(gram, np.eye(H.max_radial + 1), atol=1e-11)


def test_radial_integral_matches_direct_projection():
    """c_nl0 of one neighbour on the z axis, by 2D quadrature of R_n Y_l0 g, without Bessel functions."""
    w, s = loewdin_matrix(H.cutoff, H.max_radial), gto_widths(H.cutoff, H.max_radial)
    sigma, r = H.density_width, 1.3
    integral = RadialIntegral(H.cutoff, H.max_radial, H.max_angular, sigma)(r)
    for l, n in [(0, 0), (1, 2), (3, 3), (2, 1)]:
        def integrand(theta, x):
            cos_t = math.cos(theta)
            radial = sum(w[n, k] * x ** k * math.exp(-x * x / (2 * s[k] ** 2)) for k in range(H.max_radial + 1))
            y = real_spherical_harmonics(l, np.array([math.sin(theta), 0.0, cos_t]))[l * l + l]
            return 2 * math.pi * x * x * math.sin(theta) * radial * y * math.exp(-(x * x + r * r - 2 * x * r * cos_t) / (2 * sigma ** 2))
        direct = scipy.integrate.dblquad(integrand, max(0, r - 12 * sigma), r + 12 * sigma, 0, math.pi,
                                         epsabs=1e-13, epsrel=1e-11)[0]
        assert integral[l, n] == pytest.approx(direct / math.sqrt((2 * l + 1) / (4 * math.pi)), rel=1e-9)


def test_cutoff_function():
    assert cutoff_function(2.9, 3.5, 0.5) == 1.0
    assert cutoff_function(3.25, 3.5, 0.5) == pytest.approx(0.5)
    assert cutoff_function(3.5, 3.5, 0.5) == 0.0


def _rotated(structure, rotation):
    numbers, positions, *rest = structure
    out = [numbers, positions @ rotation.T]
    if rest:
        out += [rest[0] @ rotation.T, rest[1]]
    return tuple(out)


@pytest.mark.parametrize("make", [molecule, periodic_cell])
def test_power_spectrum_is_rotation_invariant(make):
    structure = make()
    rotation = Rotation.random(random_state=11).as_matrix()
    _, _, before = power_spectrum([structure], H)
    _, _, after = power_spectrum([_rotated(structure, rotation)], H)
    assert np.abs(before).max() > 1e-3
    np.testing.assert_allclose(after, before, rtol=1e-10, atol=1e-10 * np.abs(before).max())


def test_lambda_soap_is_equivariant_and_has_parity():
    structure = molecule()
    species = species_of([structure])
    rotation = Rotation.random(random_state=3).as_matrix()
    for lam in (1, 2):
        d = wigner_d_real(lam, rotation)
        _, props, before = lambda_soap([structure], H, lam)
        _, _, after = lambda_soap([_rotated(structure, rotation)], H, lam)
        np.testing.assert_allclose(after, np.einsum("mn,anp->amp", d, before), atol=1e-10 * np.abs(before).max())
        _, _, inverted = lambda_soap([_rotated(structure, -np.eye(3))], H, lam)
        # inversion acts as sigma times (-1)^lambda, the parity of a proper rank-lambda tensor
        sigma = np.array([(-1) ** (p[2] + p[3] + lam) for p in props])
        np.testing.assert_allclose(inverted, before * sigma * (-1) ** lam, atol=1e-10 * np.abs(before).max())
        assert len(species) == 3


def test_supercell_gives_the_same_features():
    numbers, positions, cell, pbc = periodic_cell()
    shifts = np.array([[i, j, k] for i in range(2) for j in range(2) for k in range(2)]) @ cell
    big = (numbers * 8, np.concatenate([positions + s for s in shifts]), 2 * cell, pbc)
    coefficients = spherical_expansion([periodic_cell()], H, species=[6, 8])[0]
    coefficients_big = spherical_expansion([big], H, species=[6, 8])[0]
    for image in range(8):
        np.testing.assert_allclose(coefficients_big[3 * image:3 * image + 3], coefficients, atol=1e-12)


def test_permutation_and_translation():
    numbers, positions = molecule()
    order = RNG.permutation(len(numbers))
    c = spherical_expansion([(numbers, positions)], H)[0]
    c_perm = spherical_expansion([(np.array(numbers)[order], positions[order] + [0.3, -1.0, 2.0])], H)[0]
    np.testing.assert_allclose(c_perm, c[order], atol=1e-13)


def test_bispectrum_is_rotation_invariant():
    structure = molecule()
    species = species_of([structure])
    rotation = Rotation.random(random_state=8).as_matrix()
    labels = [(6, 1, 8, 1, 2, 3, 0, 1, 2), (1, 1, 1, 2, 2, 2, 1, 1, 3), (8, 6, 6, 1, 1, 1, 2, 0, 1)]
    c = spherical_expansion([structure], H, species)[0]
    c_rot = spherical_expansion([_rotated(structure, rotation)], H, species)[0]
    for label in labels:
        before = np.array([bispectrum_value(x, species, label) for x in c])
        after = np.array([bispectrum_value(x, species, label) for x in c_rot])
        sigma = (-1) ** (label[3] + label[4] + label[5])
        # sigma = +1 invariants; sigma = -1 pseudo-scalars change sign under inversion only
        np.testing.assert_allclose(after, before, atol=1e-10 * np.abs(before).max())
        c_inv = spherical_expansion([_rotated(structure, -np.eye(3))], H, species)[0]
        inverted = np.array([bispectrum_value(x, species, label) for x in c_inv])
        np.testing.assert_allclose(inverted, sigma * before, atol=1e-10 * np.abs(before).max())
