"""PySCF initial guesses from a hamd Hamiltonian model.

    from pyscf import gto, scf
    import hamd.pyscf

    mol = gto.M(atom="O 0 0 0.117; H 0 0.757 -0.467; H 0 -0.757 -0.467", basis="def2-svp")
    mf = scf.RHF(mol)
    mf.kernel(dm0=hamd.pyscf.initial_guess(mol))   # or: hamd.pyscf.attach(mf); mf.kernel()

The daemon's Hamiltonian model predicts a Fock matrix in its minimal basis (ModelInfo.basis,
e.g. STO-3G). initial_guess() asks for it in PySCF's orbital order, checks that order and the
basis normalisation against PySCF's own minimal-basis molecule (labels equal to mol.ao_labels()
and the predicted overlap equal to PySCF's int1e_ovlp to OVERLAP_TOLERANCE; anything else is an
OrbitalOrderError, never a silently wrong guess), diagonalises it, occupies the lowest orbitals
(mol.nelec: charge and spin from `mol`), and, when `mol` has another basis, projects the occupied
orbitals into it (S22^-1 S21 C) and orthonormalises them there (Loewdin, in mol's overlap). The
density returned is therefore symmetric, idempotent in mol's metric (D S D = 2 D for closed
shells) and holds exactly mol.nelectron electrons (trace(D S) = N, checked).

Molecules: the elements the model knows (ModelInfo.species), real atoms only (no ghost atoms or
ECPs: their electron count is not the model's), spherical or Cartesian basis functions (the minimal
basis is built with mol.cart, so both work), any charge and spin: closed shells give one density
[nao, nao] (RHF/RKS), open shells an (alpha, beta) pair [2, nao, nao] (UHF/ROHF). PySCF is
imported only when these functions run.
"""
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import grpc

from .errors import HamdError, InternalError, InvalidArgument

if TYPE_CHECKING:  # pragma: no cover
    from pyscf.gto import Mole
    from pyscf.scf.hf import SCF

    from .client import Client

# Largest difference allowed between the predicted minimal-basis overlap and PySCF's int1e_ovlp
# for the same atoms (the daemon computes S analytically: they agree to ~1e-12; a wrong order or
# normalisation differs by O(0.1)).
OVERLAP_TOLERANCE = 1e-6
# Largest |trace(D S) - N| accepted for the density returned.
ELECTRON_COUNT_TOLERANCE = 1e-8
# The outputs initial_guess() asks for.
GUESS_OUTPUTS = ("fock", "overlap", "orbital_energies", "orbital_labels")


class OrbitalOrderError(HamdError):
    """The daemon's minimal-basis matrices are not in PySCF's order or normalisation for the
    molecule (labels or overlap differ from PySCF's own): a bug or a mismatched model/PySCF basis,
    reported rather than returned as a wrong guess."""
    code = grpc.StatusCode.FAILED_PRECONDITION


def _pyscf() -> Any:
    try:
        import pyscf  # noqa: F401  (the top-level package, not this module)
        from pyscf import gto, lib, scf  # noqa: F401
    except ImportError as error:  # pragma: no cover
        raise ImportError("hamd.pyscf needs PySCF: pip install pyscf") from error
    return pyscf


def _check_molecule(mol: "Mole") -> List[int]:
    """Atomic numbers of `mol`; InvalidArgument for what the minimal-basis guess cannot describe."""
    _pyscf()
    from pyscf import gto
    if hasattr(mol, "lattice_vectors"):
        raise InvalidArgument(f"mol is a periodic {type(mol).__name__} (pyscf.pbc): hamd Hamiltonian models are for "
                              "molecules only")
    if not isinstance(mol, gto.Mole):
        raise TypeError(f"mol: expected a pyscf.gto.Mole, got {type(mol).__name__}")
    if not getattr(mol, "_built", True) or mol.natm == 0:
        raise InvalidArgument("mol has no atoms (call mol.build() first)")
    numbers = []
    for i in range(mol.natm):
        symbol = mol.atom_pure_symbol(i)
        z = int(gto.charge(symbol))
        if z == 0:
            raise InvalidArgument(f"atom {i} ({mol.atom_symbol(i)}) is a ghost or dummy atom: not supported by the "
                                  "hamd guess (remove it, or use PySCF's own guess)")
        if mol.atom_charge(i) != z:
            raise InvalidArgument(f"atom {i} ({mol.atom_symbol(i)}) has nuclear charge {mol.atom_charge(i)} but is "
                                  f"element {symbol} (Z = {z}): ECPs and changed nuclear charges are not supported by "
                                  "the hamd guess (the model's minimal basis holds all Z electrons of each atom)")
        numbers.append(z)
    if mol.nelectron <= 0:
        raise InvalidArgument(f"mol has {mol.nelectron} electrons (charge {mol.charge})")
    return numbers


def _select_model(client: "Client", model: Optional[str]) -> Dict[str, Any]:
    """ModelInfo (dict) of the Hamiltonian model to ask: `model`, else the daemon's default one."""
    models = client.models()
    hamiltonians = [m for m in models if m["kind"] == "hamiltonian"]
    if model:
        found = [m for m in models if m["name"] == model]
        if not found:
            raise InvalidArgument(f"the daemon has no model {model!r}; Hamiltonian models: "
                                  f"{', '.join(m['name'] for m in hamiltonians) or 'none'}")
        if found[0]["kind"] != "hamiltonian":
            raise InvalidArgument(f"model {model!r} is a {found[0]['kind']!r} model; the guess needs a Hamiltonian model "
                                  f"({', '.join(m['name'] for m in hamiltonians) or 'none served'})")
        return found[0]
    ready = [m for m in hamiltonians if m["state"] == "ready"]
    defaults = [m for m in ready if m["default"]]
    if defaults or ready:
        return (defaults or ready)[0]
    raise InvalidArgument("the daemon serves no Hamiltonian model (ListModels has none ready); start it with one, "
                          "e.g. `hamd serve --model NAME=models/default-hamiltonian.npz`")


def minimal_basis_molecule(mol: "Mole", basis: str) -> "Mole":
    """The atoms of `mol` (same coordinates, charge, spin and mol.cart) in `basis`, without
    symmetry (so the frame and AO order are exactly mol's): the molecule the model's matrices
    describe."""
    _pyscf()
    from pyscf import gto
    minimal = gto.Mole()
    minimal.atom = [(mol.atom_pure_symbol(i), tuple(mol.atom_coord(i))) for i in range(mol.natm)]
    minimal.unit = "Bohr"
    minimal.basis = basis
    minimal.cart = bool(mol.cart)
    minimal.charge = mol.charge
    minimal.spin = mol.spin
    minimal.symmetry = False
    minimal.verbose = 0
    minimal.output = None
    try:
        minimal.build(dump_input=False, parse_arg=False)
    except (KeyError, RuntimeError, ValueError) as error:
        raise InvalidArgument(f"PySCF cannot build the model's minimal basis {basis!r} for this molecule: {error}") from None
    return minimal


def _lowdin_orthonormal(orbitals: np.ndarray, overlap: np.ndarray) -> np.ndarray:
    """C (C^T S C)^-1/2: orthonormal in `overlap`, closest to `orbitals` (Loewdin)."""
    if orbitals.shape[1] == 0:
        return orbitals
    metric = orbitals.T @ overlap @ orbitals
    values, vectors = np.linalg.eigh(0.5 * (metric + metric.T))
    if values.min() < 1e-10:
        raise InvalidArgument("the projected occupied orbitals are linearly dependent in mol's basis "
                              f"(smallest eigenvalue of C^T S C {values.min():.2e})")
    return orbitals @ (vectors * values ** -0.5) @ vectors.T


def guess_orbitals(mol: "Mole", model: Optional[str] = None, client: Optional["Client"] = None,
                   address: Optional[str] = None, autostart: bool = False, variant: Optional[str] = "direct",
                   timeout: Optional[float] = None) -> Tuple[np.ndarray, np.ndarray, Dict[str, Any]]:
    """The model's occupied orbitals in mol's basis, as (alpha [nao, n_alpha], beta [nao, n_beta],
    details): orthonormal in mol's overlap, lowest predicted orbitals occupied by mol.nelec.

    details: "model" (ModelInfo dict), "minimal_mol" (pyscf Mole in the model's basis),
    "orbital_energies" (Hartree, ascending, of the minimal basis), "minimal_mo_coeff" (all
    minimal-basis orbitals, PySCF order), "projected" (True when mol's basis is not the model's).
    Arguments as for initial_guess()."""
    numbers = _check_molecule(mol)
    from pyscf.scf import addons
    from scipy.linalg import eigh

    own_client = client is None
    if own_client:
        from .client import connect
        client = connect(address, autostart=autostart)
    try:
        info = _select_model(client, model)
        species = set(info["species"])
        unknown = sorted({(z, mol.atom_pure_symbol(i)) for i, z in enumerate(numbers) if z not in species})
        if species and unknown:
            raise InvalidArgument(f"model {info['name']!r} does not know {', '.join(s for _, s in unknown)} "
                                  f"(it knows atomic numbers {', '.join(map(str, sorted(species)))})")
        positions = np.asarray(mol.atom_coords(unit="Angstrom"), dtype=np.float64)
        result = client.predict((numbers, positions), model=info["name"], outputs=GUESS_OUTPUTS, units="hartree",
                                order="pyscf", variant=variant, charge=int(mol.charge), timeout=timeout)
    finally:
        if own_client:
            client.close()

    if result.get("order") not in ("pyscf",) or result.get("units") not in ("hartree",):
        raise OrbitalOrderError(f"the daemon answered in order {result.get('order')!r} and units "
                                f"{result.get('units')!r}, not the 'pyscf' / 'hartree' asked for")
    basis = info["basis"]
    if not basis:
        raise OrbitalOrderError(f"model {info['name']!r} does not name its minimal basis (ModelInfo.basis is empty)")
    minimal = minimal_basis_molecule(mol, basis)
    labels = [" ".join(label.split()) for label in minimal.ao_labels()]
    predicted_labels = [" ".join(str(label).split()) for label in result["orbital_labels"]]
    if predicted_labels != labels:
        first = next((i for i, (a, b) in enumerate(zip(predicted_labels, labels)) if a != b), min(len(labels), len(predicted_labels)))
        raise OrbitalOrderError(f"the model's {len(predicted_labels)} orbitals are not PySCF's {len(labels)} {basis} "
                                f"orbitals in order (first difference at {first}: daemon "
                                f"{predicted_labels[first] if first < len(predicted_labels) else None!r}, PySCF "
                                f"{labels[first] if first < len(labels) else None!r})")
    overlap = minimal.intor_symmetric("int1e_ovlp")
    deviation = float(np.max(np.abs(result["overlap"] - overlap)))
    if deviation > OVERLAP_TOLERANCE:
        raise OrbitalOrderError(f"the predicted {basis} overlap differs from PySCF's int1e_ovlp by {deviation:.2e} "
                                f"(> {OVERLAP_TOLERANCE:g}): the basis normalisation or order of the model and PySCF differ")
    fock = np.asarray(result["fock"], dtype=np.float64)
    fock = 0.5 * (fock + fock.T)
    energies, coefficients = eigh(fock, overlap)
    if "orbital_energies" in result:
        mismatch = float(np.max(np.abs(energies - result["orbital_energies"])))
        if mismatch > OVERLAP_TOLERANCE:
            raise OrbitalOrderError(f"the eigenvalues of the predicted Fock matrix in PySCF's overlap differ from the "
                                    f"predicted orbital energies by {mismatch:.2e} Hartree")

    n_alpha, n_beta = mol.nelec
    if n_alpha > coefficients.shape[1]:
        raise InvalidArgument(f"{mol.nelectron} electrons (charge {mol.charge}, spin {mol.spin}) do not fit in the "
                              f"{coefficients.shape[1]} orbitals of the model's {basis} basis")
    target_overlap = mol.intor_symmetric("int1e_ovlp")
    same_basis = (mol.nao_nr() == minimal.nao_nr() and [" ".join(label.split()) for label in mol.ao_labels()] == labels
                  and np.allclose(target_overlap, overlap, rtol=0, atol=1e-12))

    def to_target(occupied: np.ndarray) -> np.ndarray:
        if not same_basis:
            occupied = addons.project_mo_nr2nr(minimal, occupied, mol)
        return _lowdin_orthonormal(occupied, target_overlap)

    alpha = to_target(coefficients[:, :n_alpha])
    beta = alpha[:, :n_beta] if n_alpha == n_beta else to_target(coefficients[:, :n_beta])
    details = {"model": info, "minimal_mol": minimal, "orbital_energies": energies,
               "minimal_mo_coeff": coefficients, "projected": not same_basis}
    return alpha, beta, details


def initial_guess(mol: "Mole", model: Optional[str] = None, client: Optional["Client"] = None,
                  address: Optional[str] = None, autostart: bool = False, variant: Optional[str] = "direct",
                  timeout: Optional[float] = None) -> np.ndarray:
    """A density matrix for `mf.kernel(dm0=...)`, in the basis and AO order of `mol`.

    mol: a built pyscf.gto.Mole (any basis, spherical or Cartesian; charge and spin are taken from
    it). model: the daemon's Hamiltonian model (registry name; None: its default one). client: a
    hamd Client to use (None: connect to `address`, default $HAMD_ADDRESS or the per-user socket,
    starting a daemon there when `autostart`). variant: the model's weights, "direct" (default:
    the fit to the minimal-basis Fock matrix, the better density), "best" or "indirect".
    timeout: seconds for the Predict call.

    Returns float64 [nao, nao] for a closed shell (mol.spin == 0: RHF/RKS; for UHF use
    attach(), or np.array([dm / 2, dm / 2])), or [2, nao, nao] (alpha, beta) for an open shell
    (UHF/UKS/ROHF). Symmetric, idempotent in mol's overlap S, trace(D S) = mol.nelectron.

    Raises InvalidArgument for a molecule the model cannot describe (an element it does not
    know, ghost atoms, ECPs, a periodic cell), OrbitalOrderError when the daemon's matrices do not
    match PySCF's minimal basis for the molecule, and the HamdError of a failed call."""
    alpha, beta, _ = guess_orbitals(mol, model, client, address, autostart, variant, timeout)
    overlap = mol.intor_symmetric("int1e_ovlp")
    dm_alpha = alpha @ alpha.T
    dm_alpha = 0.5 * (dm_alpha + dm_alpha.T)
    if mol.spin == 0:
        dm = 2.0 * dm_alpha
    else:
        dm_beta = beta @ beta.T
        dm = np.array([dm_alpha, 0.5 * (dm_beta + dm_beta.T)])
    electrons = float(np.sum(np.einsum("...ij,ji->...", dm, overlap)))
    if abs(electrons - mol.nelectron) > ELECTRON_COUNT_TOLERANCE:
        raise InternalError(f"the guess holds {electrons:.10f} electrons, mol has {mol.nelectron}")
    return dm


def _density_for(mf: "SCF", dm: np.ndarray) -> np.ndarray:
    """The guess in the shape `mf` expects: [nao, nao] for restricted closed shells, [2, nao, nao]
    for UHF and ROHF."""
    from pyscf import scf
    spin_pair = isinstance(mf, (scf.uhf.UHF, scf.rohf.ROHF))
    if spin_pair and dm.ndim == 2:
        return np.array([dm / 2, dm / 2])
    if not spin_pair and dm.ndim == 3:
        raise InvalidArgument(f"{type(mf).__name__} is a closed-shell method but mol has spin {mf.mol.spin}: "
                              "use scf.UHF / scf.ROHF (or UKS / ROKS)")
    return dm


def attach(mf: "SCF", model: Optional[str] = None, client: Optional["Client"] = None, address: Optional[str] = None,
           autostart: bool = False, variant: Optional[str] = "direct", timeout: Optional[float] = None) -> "SCF":
    """Makes the hamd guess the initial guess of the mean-field object `mf`, so that a plain
    `mf.kernel()` starts from it; returns `mf`.

    Sets mf.init_guess = "hamd" and wraps mf.get_init_guess: the guess is computed when the SCF
    starts, for the molecule mf has then (mf.mol), in the shape mf expects (RHF/RKS: [nao, nao];
    UHF/UKS/ROHF/ROKS: [2, nao, nao], closed shells split evenly). Setting mf.init_guess to another
    key ("minao", "atom", ...) afterwards uses PySCF's guess again; a dm0 given to kernel() wins
    as usual. Arguments as for initial_guess(); `client`, when given, must stay open until the SCF
    has started. Molecular RHF/UHF/ROHF and their DFT, density-fitted and second-order variants
    only (GHF, Dirac-HF and periodic objects: TypeError)."""
    _pyscf()
    from pyscf import scf
    if not isinstance(mf, scf.hf.SCF):
        raise TypeError(f"mf: expected a PySCF mean-field object (scf.RHF, dft.RKS, ...), got {type(mf).__name__}")
    unsupported = [cls for cls in (getattr(scf, "ghf", None) and scf.ghf.GHF, getattr(scf, "dhf", None) and scf.dhf.DHF)
                   if cls is not None and isinstance(mf, cls)]
    if unsupported or hasattr(mf, "cell"):
        raise TypeError(f"mf: {type(mf).__name__} is not supported by the hamd guess (molecular RHF, UHF, ROHF and "
                        "their DFT variants only)")
    original: Callable[..., Any] = mf.get_init_guess

    def get_init_guess(mol: Optional["Mole"] = None, key: Any = "hamd", **kwargs: Any) -> Any:
        if isinstance(key, str) and key.lower() == "hamd":
            return _density_for(mf, initial_guess(mol if mol is not None else mf.mol, model, client, address,
                                                  autostart, variant, timeout))
        return original(mol, key, **kwargs)

    get_init_guess.__doc__ = f"hamd.pyscf guess (init_guess 'hamd'), else {type(mf).__name__}.get_init_guess."
    mf.get_init_guess = get_init_guess
    mf._keys = set(getattr(mf, "_keys", ())).union({"get_init_guess"})  # no "overwritten attribute" warning
    mf.init_guess = "hamd"
    return mf
