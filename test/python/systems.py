"""Structures and hyper-parameters shared by the Python tests (small, so the reference is fast)."""
import numpy as np

# max_radial and max_angular inclusive: 4 radial functions, l = 0..3
HYPERS = dict(cutoff=3.5, cutoff_width=0.5, max_radial=3, max_angular=3,
              density_width=0.3, center_atom_weight=0.7)


def molecule():
    """A distorted ethanol-like molecule (C, H, O), no symmetry left: (numbers, positions)."""
    numbers = [6, 6, 8, 1, 1, 1, 1, 1, 1]
    positions = np.array([
        [0.00, 0.00, 0.00], [1.52, 0.05, -0.02], [2.01, 1.38, 0.07],
        [-0.39, 1.02, 0.11], [-0.37, -0.55, 0.87], [-0.41, -0.47, -0.92],
        [1.88, -0.49, 0.88], [1.90, -0.43, -0.95], [2.95, 1.31, 0.21],
    ])
    rng = np.random.default_rng(7)
    return numbers, positions + rng.normal(scale=0.05, size=positions.shape)


def periodic_cell():
    """A small triclinic cell, shorter than twice the cutoff: self images count.
    (numbers, positions, cell, pbc)."""
    cell = np.array([[3.9, 0.0, 0.0], [0.7, 3.6, 0.0], [0.4, -0.5, 3.8]])
    fractional = np.array([[0.05, 0.10, 0.02], [0.40, 0.55, 0.35], [0.70, 0.20, 0.80]])
    return [8, 6, 8], fractional @ cell, cell, [True, True, True]


def ethanol_atoms():
    """ase.Atoms of ethanol: the frame of examples/ase/ethanol.xyz (data/ethanol-500K.npz frame 0)."""
    from pathlib import Path
    import ase.io
    return ase.io.read(Path(__file__).resolve().parents[2] / "examples" / "ase" / "ethanol.xyz")


def jittered(atoms, n, seed, sigma=0.02):
    """n copies of the atoms' positions with Gaussian noise of `sigma` Angstrom (seeded)."""
    rng = np.random.default_rng(seed)
    return [atoms.positions + rng.normal(0, sigma, atoms.positions.shape) for _ in range(n)]
