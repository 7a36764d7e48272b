"""Real spherical harmonics from scipy's complex ones (docs/science.md#real-spherical-harmonics).

scipy's Y_l^m include the Condon-Shortley phase (-1)^m. The real "Wikipedia" harmonics are
    m > 0: sqrt(2) (-1)^m Re Y_l^m,   m = 0: Y_l^0,   m < 0: sqrt(2) (-1)^m Im Y_l^|m|
so that l = 1 gives sqrt(3/4pi) (y, z, x)/r at indices m = -1, 0, 1.
"""
import numpy as np
import scipy.special


def _complex_sph_harm(l, m, polar, azimuth):
    # scipy >= 1.15: sph_harm_y(l, m, polar, azimuth); older: sph_harm(m, l, azimuth, polar).
    if hasattr(scipy.special, "sph_harm_y"):
        return scipy.special.sph_harm_y(l, m, polar, azimuth)
    return scipy.special.sph_harm(m, l, azimuth, polar)


def real_spherical_harmonics(max_angular, vectors):
    """Y[..., l(l+1)+m] for unit directions of `vectors` (shape [..., 3], non-zero)."""
    vectors = np.asarray(vectors, dtype=float)
    r = np.linalg.norm(vectors, axis=-1)
    polar = np.arccos(np.clip(vectors[..., 2] / r, -1.0, 1.0))
    azimuth = np.mod(np.arctan2(vectors[..., 1], vectors[..., 0]), 2 * np.pi)
    out = np.zeros(vectors.shape[:-1] + ((max_angular + 1) ** 2,))
    for l in range(max_angular + 1):
        out[..., l * (l + 1)] = _complex_sph_harm(l, 0, polar, azimuth).real
        for m in range(1, l + 1):
            y = _complex_sph_harm(l, m, polar, azimuth)
            out[..., l * (l + 1) + m] = np.sqrt(2) * (-1) ** m * y.real
            out[..., l * (l + 1) - m] = np.sqrt(2) * (-1) ** m * y.imag
    return out


def complex_to_real_matrix(l):
    """Unitary U with Y_real[m] = sum_M U[m + l, M + l] Y_complex[M] (scipy's complex Y)."""
    u = np.zeros((2 * l + 1, 2 * l + 1), dtype=complex)
    u[l, l] = 1.0
    for m in range(1, l + 1):
        # Re Y^m = (Y^m + (-1)^m Y^-m) / 2, Im Y^m = (Y^m - (-1)^m Y^-m) / 2i
        u[l + m, l + m] = (-1) ** m / np.sqrt(2)
        u[l + m, l - m] = 1 / np.sqrt(2)
        u[l - m, l + m] = (-1) ** m / (1j * np.sqrt(2))
        u[l - m, l - m] = -1 / (1j * np.sqrt(2))
    return u


def wigner_d_real(l, rotation):
    """Real Wigner matrix D with Y(R r) = D(R) Y(r), found by least squares on random points."""
    rng = np.random.default_rng(12345)
    points = rng.normal(size=(4 * (2 * l + 1) + 10, 3))
    sl = slice(l * l, (l + 1) ** 2)
    y = real_spherical_harmonics(l, points)[:, sl]
    y_rot = real_spherical_harmonics(l, points @ np.asarray(rotation).T)[:, sl]
    d_transposed, *_ = np.linalg.lstsq(y, y_rot, rcond=None)
    return d_transposed.T
