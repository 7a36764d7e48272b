"""Triplet features, straight from docs/science.md#triplet-features-and-completeness:

    g_p[n l m] = fc(r_p) I_nl(r_p) Y_lm(r_p_hat)           one neighbour pair p (its own species channel)
    t_pq[a1 n1 l1, n2 l2, n3 l3] = B(rho[a1], g_p, g_q)     the bispectrum coupling (acdc.bispectrum_value)
    T[q] = sum over ordered pairs (p, q), p == q included, of f(t_pq[q])

rho is the centre's full spherical expansion (acdc.spherical_expansion), g the single-pair
terms of the same sum. Slow and direct: every pair of pairs, every property, one at a time
per (l1, l2, l3) group.
"""
import math

import numpy as np

from .acdc import _unpack, cutoff_function, species_of, spherical_expansion
from .clebsch_gordan import real_cg_tensor
from .neighbors import neighbor_vectors
from .radial import RadialIntegral
from .spherical_harmonics import real_spherical_harmonics

NONLINEARITIES = {
    "none": lambda t: t,
    "tanh": np.tanh,
    "square": lambda t: t * t,
}


def triplet_properties(species, hypers):
    """The daemon's layout: a1; a2 <= a3; (l1, l2, l3) with l1 + l2 + l3 even and the triangle
    rule, l2 <= l3 when a2 == a3; every (n1, n2, n3)."""
    L, N = hypers.max_angular, hypers.max_radial + 1
    out = []
    for z1 in species:
        for i2, z2 in enumerate(species):
            for z3 in species[i2:]:
                for l1 in range(L + 1):
                    for l2 in range(L + 1):
                        for l3 in range(L + 1):
                            if (l1 + l2 + l3) % 2 or not abs(l2 - l3) <= l1 <= l2 + l3:
                                continue
                            if z2 == z3 and l2 > l3:
                                continue
                            out.extend((z1, z2, z3, l1, l2, l3, n1, n2, n3)
                                       for n1 in range(N) for n2 in range(N) for n3 in range(N))
    return out


def pair_densities(structure, hypers, species):
    """Per atom: a list of (channel a, g[lm, n]) over its neighbour pairs."""
    numbers, positions, cell, pbc = _unpack(structure)
    radial = RadialIntegral(hypers.cutoff, hypers.max_radial, hypers.max_angular, hypers.density_width)
    ls = np.array([l for l in range(hypers.max_angular + 1) for _ in range(2 * l + 1)])
    result = []
    for pairs in neighbor_vectors(positions, cell, pbc, hypers.cutoff):
        per_atom = []
        for j, vector in pairs:
            if numbers[j] not in species:
                continue
            r = np.linalg.norm(vector)
            fc = cutoff_function(r, hypers.cutoff, hypers.cutoff_width)
            g = fc * real_spherical_harmonics(hypers.max_angular, vector)[:, None] * radial(r)[ls, :]
            per_atom.append((species.index(numbers[j]), g))
        result.append(per_atom)
    return result


def triplet_values(rho, pairs, species, labels, f):
    """T for one centre: rho[a, lm, n], pairs [(a, g[lm, n])], labels as triplet_properties."""
    labels = np.asarray(labels, dtype=int)
    out = np.zeros(len(labels))
    groups = {}
    for k, label in enumerate(labels):
        groups.setdefault(tuple(label[3:6]), []).append(k)
    a1 = np.array([species.index(z) for z in labels[:, 0]])
    a2 = np.array([species.index(z) for z in labels[:, 1]])
    a3 = np.array([species.index(z) for z in labels[:, 2]])
    for (l1, l2, l3), ks in groups.items():
        ks = np.array(ks)
        first = rho[a1[ks], l1 * l1:(l1 + 1) ** 2, labels[ks, 6]]          # [k, m1]
        cg12 = real_cg_tensor(l1, l2, l3)
        cg0 = real_cg_tensor(l3, l3, 0)[:, :, 0]
        for ap, gp in pairs:
            second = gp[l2 * l2:(l2 + 1) ** 2, labels[ks, 7]].T * (a2[ks] == ap)[:, None]   # [k, m2]
            coupled = np.einsum("abm,ka,kb->km", cg12, first, second)
            for aq, gq in pairs:
                third = gq[l3 * l3:(l3 + 1) ** 2, labels[ks, 8]].T * (a3[ks] == aq)[:, None]
                out[ks] += f(np.einsum("ab,ka,kb->k", cg0, coupled, third))
    return out


def triplet(structures, hypers, nonlinearity="tanh", species=None, properties=None):
    """(rows [(structure, atom, center_type)], properties, values [n_rows, n_properties])."""
    species = species_of(structures) if species is None else list(species)
    properties = triplet_properties(species, hypers) if properties is None else properties
    f = NONLINEARITIES[nonlinearity]
    rows, values = [], []
    for s, (structure, rho) in enumerate(zip(structures, spherical_expansion(structures, hypers, species))):
        numbers = _unpack(structure)[0]
        for i, pairs in enumerate(pair_densities(structure, hypers, species)):
            rows.append((s, i, int(numbers[i])))
            values.append(triplet_values(rho[i], pairs, species, properties, f))
    return rows, properties, np.array(values)
