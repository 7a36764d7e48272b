"""Density correlations of any order (docs/science.md#density-correlations-of-any-order),
straight from the definition, independent of the C++ layout code: the kept chains are
enumerated from the selection rule, and each property's value is the iterated CG coupling

    v_1 = c_{a1 n1 l1},  v_j = sum C^{k_j}_{k_(j-1), l_j} v_(j-1) c_{aj nj lj},  k_1 = l_1, k_nu = lambda,

evaluated chain by chain (prefixes cached). Label rows:
(z_1, n_1, l_1, z_2, n_2, l_2, k_2, z_3, n_3, l_3, k_3, ..., z_nu, n_nu, l_nu).
"""
import itertools

import numpy as np

from .clebsch_gordan import real_cg_tensor


def _factors(row, order):
    """[(z, n, l)] and [k_1, ..., k_nu] (k_nu = None: the block's lambda) of one label row."""
    row = [int(x) for x in row]
    factors = [tuple(row[0:3])]
    ks = [row[2]]
    position = 3
    for j in range(2, order + 1):
        factors.append(tuple(row[position:position + 3]))
        position += 3
        if j < order:
            ks.append(row[position])
            position += 1
    return factors, ks


def correlation_properties(species, hypers, order, lam, sigma):
    """Every label row of block (lam, sigma): non-decreasing (z, n, l) factors (sorted by
    species index, then n, then l), every coupling path within the triangles, parity
    (-1)^(l_1 + ... + l_nu + lam) = sigma."""
    channels = sorted((a, n, l) for a in range(len(species)) for n in range(hypers.max_radial + 1)
                      for l in range(hypers.max_angular + 1))
    rows = set()
    for chain in itertools.combinations_with_replacement(channels, order):
        ls = [l for _, _, l in chain]
        if (-1) ** (sum(ls) + lam) != sigma:
            continue
        paths = [[ls[0]]]
        for j in range(1, order):
            paths = [p + [k] for p in paths for k in range(abs(p[-1] - ls[j]), p[-1] + ls[j] + 1)]
        for path in paths:
            if path[-1] != lam:
                continue
            row = [species[chain[0][0]], chain[0][1], chain[0][2]]
            for j in range(1, order):
                row += [species[chain[j][0]], chain[j][1], chain[j][2]]
                if j < order - 1:
                    row.append(path[j])
            rows.add(tuple(row))
    return rows


def correlation_values(c, species, order, lam, labels):
    """[2 lam + 1, n_labels] for one centre's coefficients c[a, lm, n]."""
    cache = {}

    def factor(z, n, l):
        return c[species.index(z), l * l:(l + 1) ** 2, n]

    def prefix(factors, ks, j):
        key = (tuple(factors[:j]), tuple(ks[:j]))
        if key not in cache:
            if j == 1:
                cache[key] = factor(*factors[0])
            else:
                previous = prefix(factors, ks, j - 1)
                cg = real_cg_tensor(ks[j - 2], factors[j - 1][2], ks[j - 1])
                cache[key] = np.einsum("abm,a,b->m", cg, previous, factor(*factors[j - 1]))
        return cache[key]

    out = np.zeros((2 * lam + 1, len(labels)))
    for p, row in enumerate(labels):
        factors, ks = _factors(row, order)
        ks = ks + [lam]
        out[:, p] = prefix(factors, ks, order)
    return out
