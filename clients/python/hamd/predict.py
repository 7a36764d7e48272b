"""Predict and the model registry: requests and numpy results."""
import json
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ._proto import hamd_pb2
from .arrays import array_from_proto, labels_from_proto
from .structures import _is_ase_atoms, _is_single_tuple_structure, as_structure_list, structure_to_proto

HAMILTONIAN_OUTPUTS = ("fock_orthogonal", "fock", "overlap", "orbital_energies", "homo", "lumo", "gap",
                       "orbital_labels")
ENERGY_OUTPUTS = ("energy", "forces", "stress", "energies", "energy_uncertainty")
PREDICT_OUTPUTS = HAMILTONIAN_OUTPUTS + ENERGY_OUTPUTS
DEFAULT_OUTPUTS = ("orbital_energies", "homo", "lumo", "gap")
_MATRICES = frozenset(("fock_orthogonal", "fock", "overlap", "orbital_energies", "energies", "forces", "stress"))
_SCALARS = frozenset(("homo", "lumo", "gap", "energy", "energy_uncertainty"))


def is_single_structure(atoms: Any) -> bool:
    """True for one structure (answered with one dict), False for a list of them."""
    return _is_ase_atoms(atoms) or _is_single_tuple_structure(atoms)


def predict_request(atoms: Any, model: Optional[str] = None, outputs: Union[str, Sequence[str]] = DEFAULT_OUTPUTS,
                    units: Optional[str] = None, order: Optional[str] = None, variant: Optional[str] = None,
                    charge: int = 0) -> hamd_pb2.PredictRequest:
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
    structures = [structure_to_proto(s, i) for i, s in enumerate(as_structure_list(atoms))]
    return hamd_pb2.PredictRequest(structures=structures, model=model or "", outputs=list(outputs),
                                   units=units or "", order=order or "", variant=variant or "", charge=int(charge))


def structure_result(message: hamd_pb2.StructurePrediction) -> Dict[str, Any]:
    """One StructurePrediction -> dict of numpy arrays keyed by output name.

    fock_orthogonal, fock, overlap: float64 [n_orb, n_orb]; orbital_energies: float64 [n_orb],
    ascending; homo, lumo, gap: numpy float64 scalars; orbital_labels: str [n_orb] ("0 O 1s",
    ...) with orbital_indices: int32 [n_orb, 4] of (atom, n, l, m); n_orbitals, n_electrons: int.
    """
    out = {"n_orbitals": int(message.n_orbitals), "n_electrons": int(message.n_electrons)}
    # The fields present, in one call: an MD step has two or three of a dozen outputs, and a
    # HasField per output costs more than the step's decoding (~0.4 µs each).
    for field, value in message.ListFields():
        name = field.name
        if name in _MATRICES:
            out[name] = array_from_proto(value)
        elif name in _SCALARS:
            out[name] = np.float64(value)
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
