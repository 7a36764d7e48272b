"""Structures sampled from Langevin (NVT) molecular dynamics with ASE.

The dynamics is driven by GFN2-xTB (the `xtb` program, see xtb.py). Where xtb is missing the
tool refuses, unless the caller asks for the labelled fallback driver `hf-sto-3g` (PySCF
Hartree-Fock/STO-3G gradients: a different, cheaper potential energy surface; recorded as such in
the provenance).

Determinism: initial velocities (Maxwell-Boltzmann at the target temperature, centre-of-mass
motion and rotation removed) and the Langevin noise come from one numpy PCG64 generator seeded
with [seed, crc32(molecule identity)]. Frame k is the structure after
equilibration_steps + k * stride steps. The state (positions, momenta, step, generator state and
frames so far) is checkpointed every `stride` steps, so an interrupted run resumes exactly where
it stopped, and asking for more frames later extends the same trajectory. Molecular dynamics is
chaotic: the same seed gives the same structures on the same build of xtb and numpy, and
trajectories from different builds part after some hundred steps (the cached frames are what
the dataset stores).
"""
import hashlib
import json
import os
import time
import zlib
from pathlib import Path

import numpy as np

DRIVERS = {
    "gfn2-xtb": "GFN2-xTB through the xtb program (Debian package xtb)",
    "hf-sto-3g": "FALLBACK: PySCF restricted Hartree-Fock/STO-3G (not GFN2-xTB; a cheaper, "
                 "different potential, used because xtb was not available)",
}


def molecule_rng_seed(seed, identity):
    return [int(seed), zlib.crc32(identity.encode())]


class PySCFHartreeFock:
    """ASE calculator factory for the fallback driver (imports kept local)."""

    @staticmethod
    def make(basis="sto-3g"):
        from ase.calculators.calculator import Calculator, all_changes

        from .energy_store import HARTREE_EV, HARTREE_PER_BOHR_EV_PER_ANGSTROM

        class HF(Calculator):
            implemented_properties = ["energy", "forces"]

            def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
                from pyscf import gto, scf
                super().calculate(atoms, properties, system_changes)
                mol = gto.M(atom=[(int(z), tuple(p)) for z, p in
                                  zip(self.atoms.numbers, self.atoms.positions)],
                            basis=basis, unit="Angstrom", verbose=0)
                mf = scf.RHF(mol)
                mf.conv_tol = 1e-10
                energy = mf.kernel()
                if not mf.converged:
                    raise RuntimeError("HF/STO-3G SCF did not converge")
                gradient = mf.nuc_grad_method().kernel()
                self.results = {"energy": energy * HARTREE_EV,
                                "forces": -gradient * HARTREE_PER_BOHR_EV_PER_ANGSTROM}
        return HF()


def driver_version(driver):
    if driver == "gfn2-xtb":
        from .xtb import xtb_version
        return "xtb " + xtb_version()
    if driver == "hf-sto-3g":
        import pyscf
        return "pyscf " + pyscf.__version__
    raise ValueError(f"unknown driver {driver!r}; choose from {sorted(DRIVERS)}")


def make_calculator(md):
    if md["driver"] == "gfn2-xtb":
        from .xtb import XTB
        return XTB(accuracy=md["xtb_accuracy"], electronic_temperature=md["xtb_electronic_temperature_K"])
    if md["driver"] == "hf-sto-3g":
        return PySCFHartreeFock.make()
    raise ValueError(f"unknown driver {md['driver']!r}")


def md_settings(driver, temperature, timestep, friction, equilibration_steps, stride, seed,
                xtb_accuracy=1.0, xtb_electronic_temperature=300.0):
    """The sampling settings that enter the trajectory's cache key (the frame count does not:
    more frames extend the same trajectory). Units: K, fs, 1/fs."""
    if stride < 1 or equilibration_steps < 0 or timestep <= 0 or temperature <= 0 or friction < 0:
        raise ValueError("need stride >= 1, equilibration-steps >= 0, timestep > 0, temperature > 0, "
                         "friction >= 0")
    s = {"integrator": "ase.md.langevin.Langevin (NVT), fixcm=False + ase.constraints.FixCom",
         "driver": driver, "driver_version": driver_version(driver),
         "temperature_K": float(temperature), "timestep_fs": float(timestep),
         "friction_per_fs": float(friction), "equilibration_steps": int(equilibration_steps),
         "stride": int(stride), "seed": int(seed),
         "initial_velocities": "Maxwell-Boltzmann at temperature_K, then Stationary and ZeroRotation",
         "rng": "numpy.random.default_rng([seed, crc32(molecule identity)]) (PCG64)",
         "masses": "ASE defaults (ase.data.atomic_masses)"}
    if driver == "gfn2-xtb":
        s.update(xtb_accuracy=float(xtb_accuracy), xtb_electronic_temperature_K=float(xtb_electronic_temperature),
                 xtb_command="xtb coord.xyz --gfn 2 --grad --chrg 0 --uhf 0 --acc A --etemp T "
                             "--norestart (fresh directory per call, OMP_NUM_THREADS=1)")
    return s


def trajectory_key(md, identity, numbers, positions):
    blob = json.dumps({"md": md, "identity": identity, "numbers": [int(z) for z in numbers],
                       "positions": np.round(np.asarray(positions, dtype=np.float64), 10).tolist()},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_checkpoint(path, key):
    if not Path(path).exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            if str(f["key"]) != key:
                return None
            return {k: (f[k] if f[k].ndim else f[k].item()) for k in f.files}
    except (OSError, ValueError, KeyError):
        return None  # cut short by an interruption: start the trajectory again


def save_checkpoint(path, state):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **{k: np.asarray(v) for k, v in state.items()})
    os.replace(tmp, path)


def bond_graph_changed(numbers, start, positions):
    """Whether the covalent bond graph differs from the start geometry's, with hysteresis so
    that thermal vibrations do not count: a start bond (d < 1.2 x sum of covalent radii) counts
    as broken beyond 1.6 x, a new bond as formed below 1.1 x."""
    from ase.data import covalent_radii
    r = covalent_radii[np.asarray(numbers)]
    limit = r[:, None] + r[None]
    iu = np.triu_indices(len(r), 1)

    def ratio(p):
        return (np.linalg.norm(p[:, None] - p[None], axis=-1) / limit)[iu]
    before, now = ratio(np.asarray(start)), ratio(np.asarray(positions))
    bonded = before < 1.2
    return bool(np.any(bonded & (now > 1.6)) or np.any(~bonded & (now < 1.1)))


def sample(numbers, start_positions, md, identity, n_frames, checkpoint, progress=None, run=True):
    """Frames of one molecule's trajectory: {"positions" (n, N, 3) Angstrom, "steps" (n,),
    "driver_energy_ev" (n,), "driver_calls", "seconds", "step" (MD steps run so far)}.

    With run=False nothing is computed: the frames already in the checkpoint are returned (at
    most n_frames). progress(k) is called after every k MD steps."""
    import ase
    from ase import units
    from ase.constraints import FixCom
    from ase.md.langevin import Langevin
    from ase.md import velocitydistribution as vd

    numbers = np.asarray(numbers, dtype=np.int64)
    key = trajectory_key(md, identity, numbers, start_positions)
    state = load_checkpoint(checkpoint, key)
    n = len(numbers)
    if state is not None and int(state["n_frames"]) >= n_frames or not run:
        return _frames(state, n_frames, n)

    rng = np.random.default_rng(molecule_rng_seed(md["seed"], identity))
    atoms = ase.Atoms(numbers=numbers, positions=np.asarray(start_positions, dtype=np.float64))
    if state is None:
        # ASE >= 3.28 names it thermalize_momenta (same draw: one standard normal per component)
        thermalize = getattr(vd, "thermalize_momenta", vd.MaxwellBoltzmannDistribution)
        thermalize(atoms, temperature_K=md["temperature_K"], rng=rng)
        vd.Stationary(atoms)
        with np.errstate(invalid="ignore", divide="ignore"):  # linear molecules: a zero moment
            vd.ZeroRotation(atoms)
        state = {"key": key, "step": 0, "n_frames": 0, "frames": np.zeros((0, n, 3)),
                 "frame_steps": np.zeros(0, dtype=np.int64), "frame_energies": np.zeros(0),
                 "driver_calls": 0, "seconds": 0.0}
    else:
        atoms.positions[:] = state["positions"]
        atoms.set_momenta(state["momenta"], apply_constraint=False)
        rng.bit_generator.state = json.loads(str(state["rng_state"]))
    atoms.set_constraint(FixCom())
    calc = make_calculator(md)
    atoms.calc = calc
    dyn = Langevin(atoms, timestep=md["timestep_fs"] * units.fs, temperature_K=md["temperature_K"],
                   friction=md["friction_per_fs"] / units.fs, fixcm=False, rng=rng)

    step = int(state["step"])
    frames = list(state["frames"])
    frame_steps = list(state["frame_steps"])
    frame_energies = list(state["frame_energies"])
    calls0, started = int(state["driver_calls"]), time.perf_counter()
    seconds0 = float(state["seconds"])

    def checkpoint_now():
        save_checkpoint(checkpoint, {
            "key": key, "step": step, "n_frames": len(frames), "positions": atoms.positions,
            "momenta": atoms.get_momenta(), "rng_state": json.dumps(rng.bit_generator.state),
            "frames": np.array(frames).reshape(-1, n, 3), "frame_steps": np.array(frame_steps, dtype=np.int64),
            "frame_energies": np.array(frame_energies, dtype=np.float64),
            "driver_calls": calls0 + getattr(calc, "calls", 0),
            "seconds": seconds0 + time.perf_counter() - started})

    pending = 0
    while len(frames) < n_frames:
        target = md["equilibration_steps"] + len(frames) * md["stride"]
        if step == target:
            positions = atoms.positions.copy()
            d = np.linalg.norm(positions[:, None] - positions[None], axis=-1)[np.triu_indices(n, 1)]
            if n > 1 and d.min() < 0.6:
                raise RuntimeError(f"{identity}: atoms {d.min():.2f} A apart at MD step {step}")
            frames.append(positions)
            frame_steps.append(step)
            frame_energies.append(float(atoms.get_potential_energy()))
            checkpoint_now()
            continue
        dyn.step()
        step += 1
        pending += 1
        if step % md["stride"] == 0:
            checkpoint_now()
            if progress:
                progress(pending)
            pending = 0
    if progress and pending:
        progress(pending)
    checkpoint_now()
    return _frames(load_checkpoint(checkpoint, key), n_frames, n)


def _frames(state, n_frames, n_atoms):
    if state is None:
        return {"positions": np.zeros((0, n_atoms, 3)), "steps": np.zeros(0, dtype=np.int64),
                "driver_energy_ev": np.zeros(0), "driver_calls": 0, "seconds": 0.0, "step": 0}
    k = min(int(state["n_frames"]), n_frames)
    return {"positions": np.asarray(state["frames"])[:k].reshape(k, n_atoms, 3),
            "steps": np.asarray(state["frame_steps"])[:k],
            "driver_energy_ev": np.asarray(state["frame_energies"])[:k],
            "driver_calls": int(state["driver_calls"]), "seconds": float(state["seconds"]),
            "step": int(state["step"])}


def steps_done(md, identity, numbers, start_positions, checkpoint):
    """MD steps already in the checkpoint (0 when none or stale)."""
    state = load_checkpoint(checkpoint, trajectory_key(md, identity, numbers, start_positions))
    return 0 if state is None else int(state["step"])


def md_steps_needed(md, n_frames):
    return md["equilibration_steps"] + max(n_frames - 1, 0) * md["stride"]
