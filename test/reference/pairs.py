"""Two-centre (pair) features, straight from docs/science.md#pair-features-kind: the pair term

    g_ij[l m, n] = fc(r_ij) I_nl(r_ij) Y_lm(r_ij / |r_ij|),   r_ij = r_j + S . cell - r_i,

and rho_ij = CG(c_i, g_ij), evaluated one property label (l_1, l_2, neighbor_type, n_1, n_2) at a
time. Pairs come from a brute-force loop over periodic images (with their integer shifts S).
Shares no code with the daemon; the density c_i is acdc.spherical_expansion's.
"""
import itertools

import numpy as np

from .acdc import _unpack, cutoff_function, spherical_expansion
from .clebsch_gordan import real_cg_tensor
from .neighbors import image_ranges
from .spherical_harmonics import real_spherical_harmonics


def pairs_with_shifts(structure, cutoff):
    """[(i, j, (s_a, s_b, s_c), vector)] for every 0 < |r_j + S . cell - r_i| < cutoff, ascending."""
    numbers, positions, cell, pbc = _unpack(structure)
    cell = np.zeros((3, 3)) if cell is None else np.asarray(cell, dtype=float)
    pbc = (False, False, False) if pbc is None else tuple(bool(p) for p in pbc)
    ranges = image_ranges(cell, pbc, cutoff)
    shifts = list(itertools.product(*(range(-n, n + 1) for n in ranges)))
    out = []
    for i in range(len(numbers)):
        for j in range(len(numbers)):
            for shift in shifts:
                vector = positions[j] + np.array(shift, dtype=float) @ cell - positions[i]
                if 0.0 < np.linalg.norm(vector) < cutoff:
                    out.append((i, j, tuple(int(s) for s in shift), vector))
    return sorted(out, key=lambda p: (p[0], p[1], p[2]))


def pair_term(vector, hypers, radial):
    """g[lm, n] of one pair vector; radial: a reference.radial.RadialIntegral of the hypers."""
    r = np.linalg.norm(vector)
    ls = np.array([l for l in range(hypers.max_angular + 1) for _ in range(2 * l + 1)])
    fc = cutoff_function(r, hypers.cutoff, hypers.cutoff_width)
    return fc * real_spherical_harmonics(hypers.max_angular, vector)[:, None] * radial(r)[ls, :]


def coupled(x, y, l1, l2, lam):
    """[mu] = sum_{m1 m2} C^{lam mu}_{l1 m1, l2 m2} x[m1] y[m2] for x, y indexed by lm."""
    cg = real_cg_tensor(l1, l2, lam)
    return np.einsum("abc,a,b->c", cg, x[l1 * l1:(l1 + 1) ** 2], y[l2 * l2:(l2 + 1) ** 2])


def pair_feature_values(c_i, g, species, lam, labels):
    """[2 lam + 1, len(labels)] of rho_ij for labels (l_1, l_2, neighbor_type, n_1, n_2)."""
    out = np.zeros((2 * lam + 1, len(labels)))
    for p, (l1, l2, z, n1, n2) in enumerate(labels):
        out[:, p] = coupled(c_i[species.index(z), :, n1], g[:, n2], l1, l2, lam)
    return out


def pair_features(structures, hypers, species, radial):
    """{(structure, i, j, s_a, s_b, s_c): (type_i, type_j, c_i, g_ij)} for every pair whose second
    atom is of a listed species (the ingredients; pair_feature_values couples them)."""
    out = {}
    for s, (structure, c) in enumerate(zip(structures, spherical_expansion(structures, hypers, species))):
        numbers = _unpack(structure)[0]
        for i, j, shift, vector in pairs_with_shifts(structure, hypers.cutoff):
            if numbers[j] not in species:
                continue
            out[(s, i, j, *shift)] = (int(numbers[i]), int(numbers[j]), c[i], pair_term(vector, hypers, radial))
    return out
