"""Neighbour pairs by brute force over periodic images: every (j, shift) with
0 < |r_j + shift . cell - r_i| < cutoff; the centre's own images count as neighbours."""
import itertools

import numpy as np


def image_ranges(cell, pbc, cutoff):
    """How many cell repetitions along each periodic direction can lie within the cutoff."""
    ranges = []
    cell = np.asarray(cell, dtype=float)
    for d in range(3):
        if not pbc[d]:
            ranges.append(0)
            continue
        other = [cell[(d + 1) % 3], cell[(d + 2) % 3]]
        normal = np.cross(*other)
        plane_spacing = abs(np.dot(cell[d], normal)) / np.linalg.norm(normal)
        ranges.append(int(np.ceil(cutoff / plane_spacing)) + 1)
    return ranges


def neighbor_vectors(positions, cell, pbc, cutoff):
    """For each centre i, a list of (j, vector r_j + shift - r_i) with 0 < |vector| < cutoff."""
    positions = np.asarray(positions, dtype=float)
    cell = np.zeros((3, 3)) if cell is None else np.asarray(cell, dtype=float)
    pbc = (False, False, False) if pbc is None else tuple(bool(p) for p in pbc)
    ranges = image_ranges(cell, pbc, cutoff)
    shifts = [np.array(s, dtype=float) @ cell for s in
              itertools.product(*(range(-n, n + 1) for n in ranges))]
    result = []
    for i, ri in enumerate(positions):
        pairs = []
        for j, rj in enumerate(positions):
            for shift in shifts:
                vector = rj + shift - ri
                distance = np.linalg.norm(vector)
                if 0.0 < distance < cutoff:
                    pairs.append((j, vector))
        result.append(pairs)
    return result
