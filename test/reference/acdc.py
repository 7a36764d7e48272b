"""Atom-centred density correlations, straight from the formulas of docs/science.md
(#spherical-expansion, #power-spectrum, #lambda-soap, #bispectrum).

A structure is (atomic_numbers, positions[, cell, pbc]). Coefficients of one centre are an
array c[a, lm, n]: neighbour species index a (into `species`), lm = l(l+1)+m, radial n.
Higher orders take a list of property labels (as the daemon returns them) and evaluate
each one independently, so any property layout can be checked.
"""
import dataclasses
import math

import numpy as np

from .clebsch_gordan import real_cg_tensor
from .neighbors import neighbor_vectors
from .radial import RadialIntegral
from .spherical_harmonics import real_spherical_harmonics


@dataclasses.dataclass(frozen=True)
class Hypers:
    cutoff: float = 5.0
    cutoff_width: float = 0.5
    max_radial: int = 7
    max_angular: int = 6
    density_width: float = 0.3
    center_atom_weight: float = 1.0


def cutoff_function(r, cutoff, width):
    if r >= cutoff:
        return 0.0
    if width <= 0 or r <= cutoff - width:
        return 1.0
    return 0.5 * (1 + math.cos(math.pi * (r - cutoff + width) / width))


def _unpack(structure):
    numbers, positions, *rest = structure
    cell = rest[0] if len(rest) > 0 else None
    pbc = rest[1] if len(rest) > 1 else None
    if cell is not None and pbc is None:
        pbc = (True, True, True)
    return np.asarray(numbers, dtype=int), np.asarray(positions, dtype=float), cell, pbc


def species_of(structures):
    return sorted({int(z) for s in structures for z in _unpack(s)[0]})


def spherical_expansion(structures, hypers, species=None):
    """List over structures of arrays c[atom, a, lm, n]."""
    species = species_of(structures) if species is None else list(species)
    radial = RadialIntegral(hypers.cutoff, hypers.max_radial, hypers.max_angular, hypers.density_width)
    n_lm = (hypers.max_angular + 1) ** 2
    ls = np.array([l for l in range(hypers.max_angular + 1) for _ in range(2 * l + 1)])
    at_origin = radial(0.0)  # I[l, n] at r = 0: only l = 0 is non-zero
    y00 = 1 / math.sqrt(4 * math.pi)
    result = []
    for structure in structures:
        numbers, positions, cell, pbc = _unpack(structure)
        coefficients = np.zeros((len(numbers), len(species), n_lm, hypers.max_radial + 1))
        for i, pairs in enumerate(neighbor_vectors(positions, cell, pbc, hypers.cutoff)):
            if numbers[i] in species:
                a = species.index(numbers[i])
                coefficients[i, a, 0, :] += hypers.center_atom_weight * at_origin[0] * y00
            for j, vector in pairs:
                if numbers[j] not in species:
                    continue
                a = species.index(numbers[j])
                r = np.linalg.norm(vector)
                fc = cutoff_function(r, hypers.cutoff, hypers.cutoff_width)
                ylm = real_spherical_harmonics(hypers.max_angular, vector)
                integral = radial(r)  # [l, n]
                coefficients[i, a] += fc * ylm[:, None] * integral[ls, :]
        result.append(coefficients)
    return result


def _block(c, a, l, n):
    return c[a, l * l:(l + 1) ** 2, n]


def power_spectrum_value(c, species, label):
    """label = (neighbor_1_type, neighbor_2_type, l, n_1, n_2)."""
    z1, z2, l, n1, n2 = label
    a1, a2 = species.index(z1), species.index(z2)
    value = (-1) ** l / math.sqrt(2 * l + 1) * np.dot(_block(c, a1, l, n1), _block(c, a2, l, n2))
    return value * (math.sqrt(2) if z1 < z2 else 1.0)


def power_spectrum_properties(species, hypers):
    """The layout of docs/science.md#power-spectrum: a1 <= a2, every l, n1, n2."""
    return [(z1, z2, l, n1, n2)
            for i, z1 in enumerate(species) for z2 in species[i:]
            for l in range(hypers.max_angular + 1)
            for n1 in range(hypers.max_radial + 1) for n2 in range(hypers.max_radial + 1)]


def lambda_soap_value(c, species, lam, label, pair_weight=False):
    """label = (neighbor_1_type, neighbor_2_type, l_1, l_2, n_1, n_2); returns [2 lam + 1].
    docs/science.md#lambda-soap defines lambda-SOAP without the power spectrum's sqrt(2) for a1 < a2; pair_weight
    adds it, for comparison with a layout that folds (a2, a1) into (a1, a2)."""
    z1, z2, l1, l2, n1, n2 = label
    a1, a2 = species.index(z1), species.index(z2)
    value = np.einsum("abm,a,b->m", real_cg_tensor(l1, l2, lam), _block(c, a1, l1, n1), _block(c, a2, l2, n2))
    return value * (math.sqrt(2) if (pair_weight and z1 < z2) else 1.0)


def bispectrum_value(c, species, label):
    """label = (neighbor_1_type, ..., l_1, l_2, l_3, n_1, n_2, n_3): couple (1, 2) to
    lambda = l_3, then with 3 to lambda = 0 (docs/science.md#bispectrum)."""
    z1, z2, z3, l1, l2, l3, n1, n2, n3 = label
    a1, a2, a3 = (species.index(z) for z in (z1, z2, z3))
    pair = np.einsum("abm,a,b->m", real_cg_tensor(l1, l2, l3), _block(c, a1, l1, n1), _block(c, a2, l2, n2))
    return np.einsum("abm,a,b->m", real_cg_tensor(l3, l3, 0), pair, _block(c, a3, l3, n3))[0]


def lambda_soap_properties(species, hypers, lam):
    """Every a1 <= a2, (l1, l2) coupling to lam, n1, n2 (for self-checks)."""
    return [(z1, z2, l1, l2, n1, n2)
            for i, z1 in enumerate(species) for z2 in species[i:]
            for l1 in range(hypers.max_angular + 1) for l2 in range(hypers.max_angular + 1)
            if abs(l1 - l2) <= lam <= l1 + l2
            for n1 in range(hypers.max_radial + 1) for n2 in range(hypers.max_radial + 1)]


def _grouped(labels, l_columns):
    """{l tuple: list of label indices}, to evaluate labels sharing their l's together."""
    groups = {}
    for k, label in enumerate(labels):
        groups.setdefault(tuple(label[c] for c in l_columns), []).append(k)
    return groups


def _gather(c, species, zs, l, ns):
    """c[a(z), l block, n] for arrays of species zs and radial ns -> [len(zs), 2l+1]."""
    a = np.array([species.index(z) for z in zs])
    return c[a, l * l:(l + 1) ** 2, :][np.arange(len(a)), :, np.asarray(ns)]


def lambda_soap_values(c, species, lam, labels, pair_weight=False):
    """lambda_soap_value for many labels at once: [2 lam + 1, n_labels]."""
    labels = [tuple(int(x) for x in p) for p in labels]
    out = np.zeros((2 * lam + 1, len(labels)))
    for (l1, l2), ks in _grouped(labels, (2, 3)).items():
        rows = np.array([labels[k] for k in ks])
        first = _gather(c, species, rows[:, 0], l1, rows[:, 4])
        second = _gather(c, species, rows[:, 1], l2, rows[:, 5])
        values = np.einsum("abm,pa,pb->mp", real_cg_tensor(l1, l2, lam), first, second)
        if pair_weight:
            values = values * np.where(rows[:, 0] < rows[:, 1], math.sqrt(2), 1.0)
        out[:, ks] = values
    return out


def bispectrum_values(c, species, labels):
    """bispectrum_value for many labels at once: [n_labels]."""
    labels = [tuple(int(x) for x in p) for p in labels]
    out = np.zeros(len(labels))
    for (l1, l2, l3), ks in _grouped(labels, (3, 4, 5)).items():
        rows = np.array([labels[k] for k in ks])
        first = _gather(c, species, rows[:, 0], l1, rows[:, 6])
        second = _gather(c, species, rows[:, 1], l2, rows[:, 7])
        third = _gather(c, species, rows[:, 2], l3, rows[:, 8])
        pair = np.einsum("abm,pa,pb->pm", real_cg_tensor(l1, l2, l3), first, second)
        out[ks] = np.einsum("ab,pa,pb->p", real_cg_tensor(l3, l3, 0)[:, :, 0], pair, third)
    return out


def _features(structures, hypers, species, coefficients, evaluate):
    """rows [(structure, atom, center_type)] and evaluate(c, species) for every atom."""
    species = species_of(structures) if species is None else list(species)
    if coefficients is None:
        coefficients = spherical_expansion(structures, hypers, species)
    rows, features = [], []
    for s, (structure, per_atom) in enumerate(zip(structures, coefficients)):
        numbers = _unpack(structure)[0]
        for i, c in enumerate(per_atom):
            rows.append((s, i, int(numbers[i])))
            features.append(evaluate(c, species))
    return rows, np.array(features)


def power_spectrum(structures, hypers, species=None, properties=None, coefficients=None):
    """(rows [(structure, atom, center_type)], properties, values [n_rows, n_properties]).
    `coefficients`: spherical_expansion(structures, hypers, species), if already computed."""
    species = species_of(structures) if species is None else list(species)
    properties = power_spectrum_properties(species, hypers) if properties is None else properties
    rows, values = _features(structures, hypers, species, coefficients,
                             lambda c, sp: [power_spectrum_value(c, sp, p) for p in properties])
    return rows, properties, values


def lambda_soap(structures, hypers, lam, properties=None, species=None, coefficients=None, pair_weight=False):
    """values [n_rows, 2 lam + 1, n_properties] for the given property labels."""
    species = species_of(structures) if species is None else list(species)
    properties = lambda_soap_properties(species, hypers, lam) if properties is None else properties
    rows, values = _features(
        structures, hypers, species, coefficients,
        lambda c, sp: lambda_soap_values(c, sp, lam, properties, pair_weight))
    return rows, properties, values


def bispectrum(structures, hypers, properties, species=None, coefficients=None):
    rows, values = _features(structures, hypers, species, coefficients,
                             lambda c, sp: bispectrum_values(c, sp, properties))
    return rows, properties, values
