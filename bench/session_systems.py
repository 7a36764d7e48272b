"""Benchmark systems for bench/sessions.py: ethanol (9 atoms), aspirin (21), and periodic
liquid-like water boxes (~100 and ~1000 atoms), plus a seeded MD-like trajectory for each.

Geometries only need to be physical enough for the model's cost to be representative (same
neighbour counts as a real simulation): standard bond lengths and angles, no atoms closer than a
bond. Everything is seeded so that every run times the same frames.
"""
import math
from typing import Dict, List, Tuple

import numpy as np

WATER_DENSITY_G_CM3 = 1.0
AMU_G = 1.66053906660e-24
WATER_MASS_AMU = 18.015
MIN_OO = 2.5          # Angstrom: closest O-O allowed in a box
MIN_INTER = 1.3       # Angstrom: closest atoms of two different water molecules

ETHANOL = (
    [6, 6, 8, 1, 1, 1, 1, 1, 1],
    [[0.00, 0.00, 0.00], [1.52, 0.05, -0.02], [2.01, 1.38, 0.07],
     [-0.39, 1.02, 0.11], [-0.37, -0.55, 0.87], [-0.41, -0.47, -0.92],
     [1.88, -0.49, 0.88], [1.90, -0.43, -0.95], [2.95, 1.31, 0.21]],
)


def _from(origin: np.ndarray, direction: np.ndarray, length: float) -> np.ndarray:
    return origin + length * direction / np.linalg.norm(direction)


def _rotate(v: np.ndarray, degrees: float) -> np.ndarray:
    """Rotates v about z (the molecule's plane is xy)."""
    a = math.radians(degrees)
    return np.array([v[0] * math.cos(a) - v[1] * math.sin(a), v[0] * math.sin(a) + v[1] * math.cos(a), v[2]])


def aspirin() -> Tuple[List[int], np.ndarray]:
    """Acetylsalicylic acid, C9H8O4: a planar benzene ring with the carboxylic acid and the acetoxy
    group on neighbouring carbons, the methyl group's hydrogens out of plane."""
    ring = [np.array([1.39 * math.cos(math.radians(60 * k)), 1.39 * math.sin(math.radians(60 * k)), 0.0]) for k in range(6)]
    atoms: List[Tuple[int, np.ndarray]] = [(6, c) for c in ring]
    out = [c / np.linalg.norm(c) for c in ring]
    for k in range(2, 6):                                   # ring hydrogens
        atoms.append((1, _from(ring[k], out[k], 1.08)))
    # carboxylic acid on ring carbon 0, pointing away from the acetoxy group on carbon 1
    c7 = _from(ring[0], out[0], 1.49)
    o1 = _from(c7, _rotate(out[0], -60), 1.21)              # C=O
    o2 = _from(c7, _rotate(out[0], 60), 1.34)               # O-H, towards the ester's oxygen
    h_acid = _from(o2, _rotate(out[0], 120), 0.97)
    atoms += [(6, c7), (8, o1), (8, o2), (1, h_acid)]
    # acetoxy group on ring carbon 1: O-C(=O)-CH3 turned out of the ring's plane (as in the
    # crystal), which keeps it clear of the acid and of the next ring hydrogen
    o3 = _from(ring[1], out[1], 1.36)
    u = _from(np.zeros(3), 0.5 * out[1] + 0.866 * np.array([0.0, 0.0, 1.0]), 1.0)
    c8 = o3 + 1.36 * u
    e2 = out[1] - np.dot(out[1], u) * u
    e2 /= np.linalg.norm(e2)
    o4 = _from(c8, 0.5 * u + 0.866 * e2, 1.20)
    c9 = _from(c8, 0.5 * u - 0.866 * e2, 1.50)
    atoms += [(8, o3), (6, c8), (8, o4), (6, c9)]
    away = (c9 - c8) / np.linalg.norm(c9 - c8)
    side = np.cross(away, e2)
    side /= np.linalg.norm(side)
    up = np.cross(away, side)
    for k in range(3):                                      # methyl: tetrahedral about the C-C axis
        a = math.radians(120 * k)
        direction = 0.334 * away + 0.943 * (math.cos(a) * side + math.sin(a) * up)
        atoms.append((1, _from(c9, direction, 1.09)))
    numbers = [z for z, _ in atoms]
    assert sorted(numbers).count(6) == 9 and numbers.count(1) == 8 and numbers.count(8) == 4
    return numbers, np.array([p for _, p in atoms])


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    a, b, c, d = q / np.linalg.norm(q)
    return np.array([
        [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
        [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
        [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
    ])


def _minimum_image(d: np.ndarray, length: float) -> np.ndarray:
    return d - length * np.round(d / length)


def water_box(molecules: int, seed: int = 7) -> Tuple[List[int], np.ndarray, np.ndarray]:
    """`molecules` waters in a cubic periodic box at 1 g/cm3: oxygens on a randomly filled
    body-centred cubic lattice (its nearest-neighbour distance is close to liquid water's O-O
    distance, 2.8-3.1 A, where a simple cubic lattice of as many sites would be too tight),
    jittered, each molecule randomly oriented; a placement that brings an oxygen within MIN_OO or
    any atom within MIN_INTER of another molecule is redrawn. (numbers, positions, cell)."""
    rng = np.random.default_rng(seed)
    length = (molecules * WATER_MASS_AMU * AMU_G / WATER_DENSITY_G_CM3 * 1e24) ** (1 / 3)
    per_side = math.ceil((molecules / 2) ** (1 / 3))
    grid = np.array([(i, j, k) for i in range(per_side) for j in range(per_side) for k in range(per_side)], dtype=float)
    sites = np.concatenate([grid, grid + 0.5]) * (length / per_side)
    chosen = sites[rng.choice(len(sites), molecules, replace=False)]
    shape = np.array([[0.0, 0.0, 0.0], [0.757, 0.586, 0.0], [-0.757, 0.586, 0.0]])   # O, H, H
    placed: List[np.ndarray] = []
    for site in chosen:
        for _ in range(1000):
            candidate = site + rng.uniform(-0.3, 0.3, 3) + shape @ _random_rotation(rng).T
            if not placed:
                break
            others = np.array(placed)
            oo = np.linalg.norm(_minimum_image(others[:, 0] - candidate[0], length), axis=1)
            pairs = _minimum_image(others[:, None, :, :] - candidate[None, :, None, :], length)
            if oo.min() >= MIN_OO and np.linalg.norm(pairs, axis=-1).min() >= MIN_INTER:
                break
        else:
            raise RuntimeError(f"could not place {molecules} water molecules")
        placed.append(candidate)
    positions = np.mod(np.concatenate(placed), length)
    return [8, 1, 1] * molecules, positions, np.eye(3) * length


def trajectory(positions: np.ndarray, steps: int, seed: int, step_a: float = 0.01) -> np.ndarray:
    """[steps, n, 3] frames of a seeded random walk, `step_a` Angstrom rms per coordinate and
    step (hydrogens move ~0.01-0.02 A per fs at 300-500 K), so the Verlet list is rebuilt every
    few tens of steps, as in MD, not at every step nor never."""
    rng = np.random.default_rng(seed)
    moves = rng.normal(scale=step_a, size=(steps,) + positions.shape)
    moves[0] = 0.0
    return positions[None] + np.cumsum(moves, axis=0)


def systems(quick: bool) -> List[Dict]:
    """The benchmark's systems: label, numbers, positions, cell (zeros if molecular), pbc."""
    out = [dict(label="ethanol", numbers=ETHANOL[0], positions=np.array(ETHANOL[1]), cell=np.zeros((3, 3)), pbc=[False] * 3)]
    if not quick:
        numbers, positions = aspirin()
        out.append(dict(label="aspirin", numbers=numbers, positions=positions, cell=np.zeros((3, 3)), pbc=[False] * 3))
    for molecules in ((33,) if quick else (33, 333)):
        numbers, positions, cell = water_box(molecules)
        out.append(dict(label=f"water box ({molecules} H2O)", numbers=numbers, positions=positions, cell=cell, pbc=[True] * 3))
    return out
