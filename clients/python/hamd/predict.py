"""Predict and the model registry: requests and numpy results."""
import json
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ._proto import hamd_pb2
from .arrays import array_from_proto, labels_from_proto
from .structures import _is_ase_atoms, _is_single_tuple_structure, as_structure_list, structure_to_proto

HAMILTONIAN_OUTPUTS = ("fock_orthogonal", "fock", "overlap", "orbital_energies", "valid_orbitals", "homo", "lumo",
                       "gap", "orbital_labels", "excitation_energies", "oscillator_strengths")
ENERGY_OUTPUTS = ("energy", "forces", "stress", "energies", "energy_uncertainty")
PREDICT_OUTPUTS = HAMILTONIAN_OUTPUTS + ENERGY_OUTPUTS
DEFAULT_OUTPUTS = ("orbital_energies", "valid_orbitals", "homo", "lumo", "gap")
MAX_STATES = 50
_MATRICES = frozenset(("fock_orthogonal", "fock", "overlap", "orbital_energies", "energies", "forces", "stress",
                       "excitation_energies", "oscillator_strengths", "excitation_valid_weight"))
_SCALARS = frozenset(("homo", "lumo", "gap", "energy", "energy_uncertainty"))


def is_single_structure(atoms: Any) -> bool:
    """True for one structure (answered with one dict), False for a list of them."""
    return _is_ase_atoms(atoms) or _is_single_tuple_structure(atoms)


def predict_request(atoms: Any, model: Optional[str] = None, outputs: Union[str, Sequence[str]] = DEFAULT_OUTPUTS,
                    units: Optional[str] = None, order: Optional[str] = None, variant: Optional[str] = None,
                    charge: int = 0, n_states: int = 0) -> hamd_pb2.PredictRequest:
    """The PredictRequest that Client.predict() sends."""
    if isinstance(outputs, str):
        outputs = (outputs,)
    unknown = [o for o in outputs if o not in PREDICT_OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output(s) {', '.join(map(repr, unknown))}; expected some of {', '.join(PREDICT_OUTPUTS)}")
    if units not in (None, "hartree", "ev"):
        raise ValueError(f"units must be 'hartree' or 'ev', got {units!r}")
    if order not in (None, "hamd", "pyscf"):
        raise ValueError(f"order must be 'hamd' or 'pyscf', got {order!r}")
    if variant not in (None, "best", "direct", "indirect"):
        raise ValueError(f"variant must be 'best', 'direct' or 'indirect', got {variant!r}")
    if isinstance(charge, bool) or int(charge) != charge:
        raise ValueError(f"charge must be an integer, got {charge!r}")
    if isinstance(n_states, bool) or int(n_states) != n_states or not 0 <= int(n_states) <= MAX_STATES:
        raise ValueError(f"n_states must be an integer in 1..{MAX_STATES} (0: the daemon's default, 5), got {n_states!r}")
    structures = [structure_to_proto(s, i) for i, s in enumerate(as_structure_list(atoms))]
    return hamd_pb2.PredictRequest(structures=structures, model=model or "", outputs=list(outputs),
                                   units=units or "", order=order or "", variant=variant or "", charge=int(charge),
                                   n_states=int(n_states))


class StructurePrediction(dict):
    """One structure's outputs, a dict keyed by output name. A LUMO or gap that the daemon
    withheld (the model does not vouch for that level) raises a KeyError that says why,
    instead of a bare KeyError('gap'); the reasons are also in result["warnings"]."""

    def __missing__(self, key):
        if key in ("lumo", "gap"):
            reasons = [w for w in self.get("warnings", ()) if "withheld" in w]
            if reasons:
                raise KeyError(f"{key!r} was withheld by the daemon: {reasons[0]}")
        raise KeyError(key)


def structure_result(message: hamd_pb2.StructurePrediction) -> Dict[str, Any]:
    """One StructurePrediction -> dict of numpy arrays keyed by output name.

    fock_orthogonal, fock, overlap: float64 [n_orb, n_orb]; orbital_energies: float64 [n_orb],
    ascending; valid_orbitals: bool [n_orb], true where the level stands for a large-basis level
    the model was trained to reproduce; homo, lumo, gap: numpy float64 scalars (lumo and gap
    absent when the LUMO is not valid); orbital_labels: str [n_orb] ("0 O 1s", ...) with
    orbital_indices: int32 [n_orb, 4] of (atom, n, l, m); excitation_energies,
    oscillator_strengths, excitation_valid_weight: float64 [n_states] (sTDA singlets);
    warnings: list of str (always present, often empty); n_orbitals, n_electrons: int.
    """
    out = StructurePrediction(n_orbitals=int(message.n_orbitals), n_electrons=int(message.n_electrons), warnings=[])
    # The fields present, in one call: an MD step has two or three of a dozen outputs, and a
    # HasField per output costs more than the step's decoding (~0.4 µs each).
    for field, value in message.ListFields():
        name = field.name
        if name in _MATRICES:
            out[name] = array_from_proto(value)
        elif name in _SCALARS:
            out[name] = np.float64(value)
        elif name == "valid_orbitals":
            out[name] = np.array(value, dtype=bool)
        elif name == "warnings":
            out[name] = list(value)
        elif name == "orbital_labels":
            out["orbital_labels"] = np.array(list(value.names), dtype=str)
            out["orbital_indices"] = labels_from_proto(value.orbitals).values
    return out


def model_info(message: hamd_pb2.ModelInfo) -> Dict[str, Any]:
    """ModelInfo -> dict."""
    return {
        "name": message.name,
        "version": message.version,
        "kind": message.kind,
        "state": message.state,
        "error": message.error,
        "species": list(message.species),
        "basis": message.basis,
        "units": message.units,
        "cutoff": message.cutoff,
        "outputs": list(message.outputs),
        "validation": dict(message.validation),
        "default": message.is_default,
        "path": message.path,
        "checksum": message.checksum,
        "metadata": json.loads(message.metadata_json or "{}"),
    }
