"""The hamd energy/force dataset format ("hamd-energy-dataset", format_version 1): writing, reading,
importing a user's extended XYZ, and a numpy-only self-check (docs/dataset-format.md).

Everything is a plain numpy array in an uncompressed .npz (no pickled objects). Energies are
stored in eV and forces in eV/Angstrom, converted with CODATA 2018 (below); the Hartree and
Hartree/Bohr values are stored next to them.
"""
import hashlib
import json

import numpy as np

from .npz_files import load_checked, write_atomic

FORMAT_NAME = "hamd-energy-dataset"
FORMAT_VERSION = 1

# CODATA 2018 (NIST SP 961, 2019). PySCF 2.x converts Angstrom input to Bohr with its own
# BOHR = 0.52917721092 (CODATA 2010); the relative difference, 3e-11, is far below SCF noise.
HARTREE_EV = 27.211386245988
BOHR_ANGSTROM = 0.529177210903
HARTREE_PER_BOHR_EV_PER_ANGSTROM = HARTREE_EV / BOHR_ANGSTROM

UNITS = {"energy": "eV", "forces": "eV/angstrom", "positions": "angstrom", "cell": "angstrom",
         "energy_hartree": "hartree", "forces_hartree_per_bohr": "hartree/bohr",
         "conversion": {"hartree_ev": HARTREE_EV, "bohr_angstrom": BOHR_ANGSTROM,
                        "source": "CODATA 2018"}}

# Arrays every file has, with (dtype kind, shape pattern); S structures, A atoms, M molecules.
ARRAYS = {
    "format": ("U", ()), "format_version": ("i", ()), "provenance": ("U", ()),
    "molecule_names": ("U", ("M",)), "molecule_smiles": ("U", ("M",)),
    "structure_molecule": ("i", ("S",)), "structure_index": ("i", ("S",)),
    "structure_md_step": ("i", ("S",)), "atom_offsets": ("i", ("S+1",)),
    "species": ("i", ("A",)), "positions": ("f", ("A", 3)),
    "cell": ("f", ("S", 3, 3)), "pbc": ("b", ("S", 3)),
    "energy": ("f", ("S",)), "forces": ("f", ("A", 3)),
    "energy_hartree": ("f", ("S",)), "forces_hartree_per_bohr": ("f", ("A", 3)),
    "reference_seconds": ("f", ("S",)),
}


def offsets(sizes):
    return np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))]).astype(np.int64)


def assemble(molecules, records, provenance):
    """molecules: [{"name", "smiles"}]; records: per-structure dicts in output order with
    molecule (index), structure (k), md_step, numbers (Z), positions (Angstrom), energy_hartree,
    forces_hartree_per_bohr, and optionally cell, pbc, seconds."""
    if not records:
        raise ValueError("no structures to write")
    n_atoms = [len(r["numbers"]) for r in records]
    energy_h = np.array([float(r["energy_hartree"]) for r in records], dtype=np.float64)
    forces_h = np.concatenate([np.asarray(r["forces_hartree_per_bohr"], dtype=np.float64).reshape(-1, 3)
                               for r in records])
    provenance = dict(provenance, units=UNITS)
    return {
        "format": np.array(FORMAT_NAME),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "provenance": np.array(json.dumps(provenance, indent=1, sort_keys=True)),
        "molecule_names": np.array([m["name"] for m in molecules], dtype="<U64"),
        "molecule_smiles": np.array([m.get("smiles", "") for m in molecules], dtype="<U128"),
        "structure_molecule": np.array([r["molecule"] for r in records], dtype=np.int64),
        "structure_index": np.array([r["structure"] for r in records], dtype=np.int64),
        "structure_md_step": np.array([r.get("md_step", -1) for r in records], dtype=np.int64),
        "atom_offsets": offsets(n_atoms),
        "species": np.concatenate([np.asarray(r["numbers"], dtype=np.int64) for r in records]),
        "positions": np.concatenate([np.asarray(r["positions"], dtype=np.float64).reshape(-1, 3)
                                     for r in records]),
        "cell": np.array([np.asarray(r.get("cell", np.zeros((3, 3))), dtype=np.float64) for r in records]
                         ).reshape(-1, 3, 3),
        "pbc": np.array([np.asarray(r.get("pbc", [False] * 3), dtype=np.bool_) for r in records]
                        ).reshape(-1, 3),
        "energy": energy_h * HARTREE_EV,
        "forces": forces_h * HARTREE_PER_BOHR_EV_PER_ANGSTROM,
        "energy_hartree": energy_h,
        "forces_hartree_per_bohr": forces_h,
        "reference_seconds": np.array([float(r.get("seconds", 0.0)) for r in records], dtype=np.float64),
    }


def write(path, arrays):
    write_atomic(path, arrays)


class EnergyDataset:
    """Numpy-only reader: per-structure views into the concatenated arrays."""

    def __init__(self, path):
        self.arrays, self.provenance = load_checked(path, FORMAT_NAME, FORMAT_VERSION)

    def __len__(self):
        return len(self.arrays["structure_molecule"])

    def structure(self, i):
        a = self.arrays
        at = slice(a["atom_offsets"][i], a["atom_offsets"][i + 1])
        return {"name": str(a["molecule_names"][a["structure_molecule"][i]]),
                "numbers": a["species"][at], "positions": a["positions"][at],
                "cell": a["cell"][i], "pbc": a["pbc"][i],
                "energy": float(a["energy"][i]), "forces": a["forces"][at]}

    def to_ase(self, i):
        """The structure as ase.Atoms with a SinglePointCalculator (eV, eV/Angstrom)."""
        import ase
        from ase.calculators.singlepoint import SinglePointCalculator
        s = self.structure(i)
        atoms = ase.Atoms(numbers=s["numbers"], positions=s["positions"], cell=s["cell"], pbc=s["pbc"])
        atoms.info["name"] = s["name"]
        atoms.calc = SinglePointCalculator(atoms, energy=s["energy"], forces=s["forces"].copy())
        return atoms


# ---------------------------------------------------------------- user data: extended XYZ

ENERGY_KEYS = ("REF_energy", "energy")
FORCES_KEYS = ("REF_forces", "forces")


def _frame_value(atoms, key, per_atom):
    """A property of one ase.io frame from info/arrays, or from the SinglePointCalculator that
    ase.io makes for the standard names (energy, forces)."""
    store = atoms.arrays if per_atom else atoms.info
    if key in store:
        return store[key]
    if atoms.calc is not None and key in getattr(atoms.calc, "results", {}):
        return atoms.calc.results[key]
    return None


def _pick(atoms, key, candidates, per_atom):
    if key is not None:
        return key, _frame_value(atoms, key, per_atom)
    for k in candidates:
        value = _frame_value(atoms, k, per_atom)
        if value is not None:
            return k, value
    return "/".join(candidates), None


def read_extxyz(path, units, energy_key=None, forces_key=None, name_key=None):
    """Frames of an extended XYZ (ase.io.read(path, index=':')) as (molecules, records, info).

    units: "eV" (energies eV, forces eV/Angstrom) or "hartree" (Hartree, Hartree/Bohr). Energy
    from `energy_key`, else REF_energy, else energy; forces likewise (REF_forces, forces).
    Structures are grouped into molecules by the info field `name_key` when given, else by the
    chemical formula, in order of first appearance. Raises ValueError naming every frame that
    lacks an energy or forces (first 20)."""
    import ase.io
    units_l = units.lower()
    if units_l == "ev":
        e_to_h, f_to_hb = 1.0 / HARTREE_EV, 1.0 / HARTREE_PER_BOHR_EV_PER_ANGSTROM
    elif units_l == "hartree":
        e_to_h, f_to_hb = 1.0, 1.0
    else:
        raise ValueError(f"units must be 'eV' or 'hartree', got {units!r}")
    frames = ase.io.read(str(path), index=":", format="extxyz")
    if not frames:
        raise ValueError(f"{path}: no frames")
    names, molecules, records, problems, used, per_molecule = {}, [], [], [], set(), []
    for i, atoms in enumerate(frames):
        ekey, energy = _pick(atoms, energy_key, ENERGY_KEYS, per_atom=False)
        fkey, forces = _pick(atoms, forces_key, FORCES_KEYS, per_atom=True)
        missing = [what for what, v in (("energy (" + ekey + ")", energy), ("forces (" + fkey + ")", forces))
                   if v is None]
        if missing:
            problems.append(f"frame {i} ({atoms.get_chemical_formula()}): no {' and no '.join(missing)}")
            continue
        used.add((ekey, fkey))
        forces = np.asarray(forces, dtype=np.float64)
        if forces.shape != (len(atoms), 3):
            problems.append(f"frame {i}: forces shape {forces.shape}, expected ({len(atoms)}, 3)")
            continue
        energy = float(np.asarray(energy).reshape(()))
        if not (np.isfinite(energy) and np.all(np.isfinite(forces))):
            problems.append(f"frame {i}: non-finite energy or forces")
            continue
        if name_key is not None:
            if name_key not in atoms.info:
                problems.append(f"frame {i}: no info field {name_key!r}")
                continue
            name = str(atoms.info[name_key])
        else:
            name = atoms.get_chemical_formula()
        if name not in names:
            names[name] = len(molecules)
            molecules.append({"name": name, "smiles": ""})
            per_molecule.append(0)
        molecule = names[name]
        per_molecule[molecule] += 1
        pbc = np.asarray(atoms.pbc, dtype=bool)
        records.append({
            "molecule": molecule, "structure": per_molecule[molecule] - 1,
            "md_step": -1, "frame": i, "numbers": atoms.numbers.copy(),
            "positions": atoms.positions.copy(),
            "cell": atoms.cell.array.copy() if pbc.any() else np.zeros((3, 3)), "pbc": pbc,
            "energy_hartree": energy * e_to_h, "forces_hartree_per_bohr": forces * f_to_hb,
        })
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ValueError(f"{path}: {len(problems)} of {len(frames)} frames unusable "
                         f"(give --energy-key/--forces-key if the properties have other names):\n  "
                         f"{shown}{more}")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    info = {"source": str(path), "source_sha256": digest, "frames": len(frames),
            "declared_units": "eV, eV/angstrom" if units_l == "ev" else "hartree, hartree/bohr",
            "keys": [{"energy": e, "forces": f} for e, f in sorted(used)],
            "grouped_by": name_key or "chemical formula"}
    return molecules, records, info


# ---------------------------------------------------------------- self-check (numpy only)

def check(path):
    """Returns (summary dict, list of failure messages) for a hamd-energy-dataset file."""
    failures, count = [], [0]

    def expect(condition, message):
        count[0] += 1
        if not condition:
            failures.append(message)

    with np.load(path, allow_pickle=False) as f:
        a = {k: f[k] for k in f.files}
    expect(str(a.get("format")) == FORMAT_NAME, "format field missing or foreign")
    expect(int(a.get("format_version", -1)) == FORMAT_VERSION, "unsupported format_version")
    missing = sorted(set(ARRAYS) - set(a))
    expect(not missing, f"arrays missing: {missing}")
    if failures:
        return {}, failures
    try:
        prov = json.loads(str(a["provenance"]))
    except ValueError:
        return {}, ["provenance is not JSON"]
    n_s, n_a, n_m = len(a["structure_molecule"]), len(a["species"]), len(a["molecule_names"])
    sizes = {"S": n_s, "A": n_a, "M": n_m, "S+1": n_s + 1}
    for name, (kind, shape) in ARRAYS.items():
        want = tuple(sizes.get(d, d) for d in shape)
        expect(a[name].shape == want, f"{name} has shape {a[name].shape}, expected {want}")
        ok_kind = a[name].dtype.kind in ("i", "u") if kind == "i" else a[name].dtype.kind == kind
        expect(ok_kind, f"{name} has dtype {a[name].dtype}, expected kind {kind!r}")
    if failures:
        return {}, failures
    off = a["atom_offsets"]
    expect(off[0] == 0 and off[-1] == n_a and np.all(np.diff(off) > 0),
           "atom_offsets not 0 .. n_atoms strictly increasing")
    expect(np.all((a["structure_molecule"] >= 0) & (a["structure_molecule"] < n_m)),
           "structure_molecule out of range")
    expect(np.all((a["species"] >= 1) & (a["species"] <= 118)), "species not atomic numbers 1..118")
    for name in ["positions", "cell", "energy", "forces", "energy_hartree", "forces_hartree_per_bohr",
                 "reference_seconds"]:
        expect(np.all(np.isfinite(a[name])), f"{name} has non-finite values")
    units = prov.get("units", {})
    expect(units.get("energy") == "eV" and units.get("forces") == "eV/angstrom",
           f"provenance units {units.get('energy')}, {units.get('forces')}; expected eV, eV/angstrom")
    if failures:
        return {}, failures
    expect(np.allclose(a["energy"], a["energy_hartree"] * HARTREE_EV, rtol=1e-12, atol=1e-12),
           "energy != energy_hartree * 27.211386245988")
    expect(np.allclose(a["forces"], a["forces_hartree_per_bohr"] * HARTREE_PER_BOHR_EV_PER_ANGSTROM,
                       rtol=1e-12, atol=1e-12), "forces != forces_hartree_per_bohr * Hartree/Bohr in eV/A")
    computed = prov.get("kind") == "computed"
    worst_net, worst_force, closest = 0.0, 0.0, np.inf
    for i in range(n_s):
        at = slice(off[i], off[i + 1])
        pos, frc, pbc, cell = a["positions"][at], a["forces"][at], a["pbc"][i], a["cell"][i]
        tag = f"structure {i} ({a['molecule_names'][a['structure_molecule'][i]]})"
        if not pbc.any():
            expect(np.all(cell == 0), f"{tag}: non-periodic but cell not zero")
            if len(pos) > 1:
                d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)[np.triu_indices(len(pos), 1)]
                closest = min(closest, float(d.min()))
                expect(d.min() > 0.5, f"{tag}: atoms {d.min():.3f} A apart (positions not in Angstrom?)")
        else:
            expect(abs(np.linalg.det(cell)) > 1e-6, f"{tag}: periodic with a singular cell")
        worst_force = max(worst_force, float(np.abs(frc).max()))
        if computed and not pbc.any():
            net = float(np.linalg.norm(frc.sum(axis=0)))
            worst_net = max(worst_net, net)
            # translational invariance; with the DFT grid response the sum is ~1e-6 eV/A
            expect(net < 1e-3, f"{tag}: net force {net:.2e} eV/A")
            expect(np.abs(frc).max() < 100.0, f"{tag}: force above 100 eV/A (units?)")
    if computed:
        for m in range(n_m):
            idx = np.flatnonzero(a["structure_molecule"] == m)
            if len(idx):
                first = a["species"][off[idx[0]]:off[idx[0] + 1]]
                expect(all(np.array_equal(a["species"][off[i]:off[i + 1]], first) for i in idx),
                       f"molecule {a['molecule_names'][m]}: species differ between structures")
    per_molecule = np.bincount(a["structure_molecule"], minlength=n_m)
    expect(per_molecule.min() > 0, "a listed molecule has no structures")
    n_atoms = np.diff(off)
    summary = {"format": FORMAT_NAME, "kind": prov.get("kind"), "structures": int(n_s),
               "molecules": int(n_m),
               "structures_per_molecule": [int(per_molecule.min()), int(per_molecule.max())],
               "atoms": [int(n_atoms.min()), int(n_atoms.max())],
               "energy_ev": [float(a["energy"].min()), float(a["energy"].max())],
               "max_abs_force_ev_per_angstrom": worst_force,
               "closest_atoms_angstrom": None if closest == np.inf else closest,
               "checks": count[0]}
    if computed:
        summary["max_net_force_ev_per_angstrom"] = worst_net
    return summary, failures
