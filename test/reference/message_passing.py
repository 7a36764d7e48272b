"""One round of message passing, rho_i^(1<-1), straight from docs/science.md#message-passing-kind:

    m_i[lam mu; l_1 l_2, a_1 n_1, a_2 n_2] = sum over pairs (j, S) of i with Z_j = a_2 of
        sum_{m1 m2} C^{lam mu}_{l_1 m_1, l_2 m_2} c_j[a_1, l_1 m_1, n_1] g_ij^S[l_2 m_2, n_2],

evaluated one property label at a time. c_j is the density around the neighbour j
(acdc.spherical_expansion), g_ij the pair term (pairs.pair_term).
"""
import numpy as np

from .acdc import _unpack, spherical_expansion
from .pairs import coupled, pair_term, pairs_with_shifts


def message_passing(structures, hypers, species, lam, labels, radial, coefficients=None):
    """{(structure, atom): (center_type, [2 lam + 1, len(labels)])} for labels
    (l_1, l_2, neighbor_1_type, n_1, neighbor_2_type, n_2). coefficients: the structures'
    spherical_expansion (computed when not given)."""
    out = {}
    if coefficients is None:
        coefficients = spherical_expansion(structures, hypers, species)
    for s, (structure, c) in enumerate(zip(structures, coefficients)):
        numbers = _unpack(structure)[0]
        values = np.zeros((len(numbers), 2 * lam + 1, len(labels)))
        for i, j, _, vector in pairs_with_shifts(structure, hypers.cutoff):
            if numbers[j] not in species:
                continue
            g = pair_term(vector, hypers, radial)
            for p, (l1, l2, z1, n1, z2, n2) in enumerate(labels):
                if numbers[j] == z2:
                    values[i, :, p] += coupled(c[j][species.index(z1), :, n1], g[:, n2], l1, l2, lam)
        for i, z in enumerate(numbers):
            out[(s, i)] = (int(z), values[i])
    return out
