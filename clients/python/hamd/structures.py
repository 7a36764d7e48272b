"""User structures (ase.Atoms, or (symbols | numbers, positions[, cell, pbc])) -> Structure messages."""
import numbers as _numbers
from typing import Any, Iterable, List

import numpy as np

from ._proto import hamd_pb2
from .arrays import array_to_proto
from .errors import InvalidArgument



def _element_table():
    """Symbol -> atomic number from ase.data (hamd keeps one element table of its own, in the
    daemon's core; the client does not copy it). None when ASE is not installed."""
    try:
        from ase.data import atomic_numbers
    except ImportError:
        return None
    return {symbol: z for symbol, z in atomic_numbers.items() if z > 0}


def _is_ase_atoms(obj):
    return hasattr(obj, "get_atomic_numbers") and hasattr(obj, "get_positions")


def _is_scalar_species(x):
    return isinstance(x, (str, _numbers.Integral, np.integer))


def _is_single_tuple_structure(obj):
    """(symbols | numbers, positions[, cell[, pbc]]): the first item is a sequence of species."""
    if not isinstance(obj, (tuple, list)) or not 2 <= len(obj) <= 4:
        return False
    first = obj[0]
    if isinstance(first, np.ndarray):
        return first.ndim == 1
    if isinstance(first, (tuple, list)):
        return len(first) == 0 or _is_scalar_species(first[0])
    return False


def as_structure_list(atoms: Any) -> List[Any]:
    """One structure or a sequence of them -> list of structures."""
    if _is_ase_atoms(atoms) or _is_single_tuple_structure(atoms):
        return [atoms]
    if isinstance(atoms, (tuple, list)):
        if not atoms:
            raise InvalidArgument("no structures given")
        for i, item in enumerate(atoms):
            if not (_is_ase_atoms(item) or _is_single_tuple_structure(item)):
                raise TypeError(f"structure {i}: expected ase.Atoms or (symbols | numbers, positions[, cell, pbc]), "
                                f"got {type(item).__name__}")
        return list(atoms)
    raise TypeError("atoms: expected ase.Atoms, a list of them, or (symbols | numbers, positions[, cell, pbc]), "
                    f"got {type(atoms).__name__}")


def atomic_numbers(species: Iterable[Any], where: str = "structure") -> np.ndarray:
    """Element symbols or atomic numbers -> int32 atomic numbers (symbols need ASE)."""
    out = []
    table = None
    for i, s in enumerate(species):
        if isinstance(s, str):
            if table is None:
                table = _element_table()
                if table is None:
                    raise InvalidArgument(f"{where}: element symbols need ASE (pip install ase); "
                                          "or give atomic numbers instead")
            if s not in table:
                raise InvalidArgument(f"{where}, atom {i}: unknown element symbol {s!r}")
            out.append(table[s])
        else:
            out.append(int(s))
    return np.array(out, dtype=np.int32)


def _normalise_cell(cell):
    if cell is None:
        return None
    cell = np.asarray(cell, dtype=np.float64)
    if cell.shape == (3,):
        cell = np.diag(cell)
    if cell.shape != (3, 3):
        raise InvalidArgument(f"cell must be 3x3 (rows a, b, c) or 3 lengths, got shape {cell.shape}")
    return cell


def structure_to_proto(structure: Any, index: int = 0) -> hamd_pb2.Structure:
    """ase.Atoms or (symbols | numbers, positions[, cell, pbc]) -> Structure message (index: for
    error messages)."""
    where = f"structure {index}"
    if _is_ase_atoms(structure):
        numbers = np.asarray(structure.get_atomic_numbers(), dtype=np.int32)
        positions = np.asarray(structure.get_positions(), dtype=np.float64)
        cell = np.asarray(structure.cell[:], dtype=np.float64)
        pbc = [bool(p) for p in structure.pbc]
    else:
        species, positions, *rest = structure
        numbers = atomic_numbers(species, where)
        positions = np.asarray(positions, dtype=np.float64)
        cell = _normalise_cell(rest[0] if rest else None)
        if len(rest) > 1 and rest[1] is not None:
            pbc = rest[1]
            pbc = [bool(pbc)] * 3 if np.ndim(pbc) == 0 else [bool(p) for p in pbc]
        else:
            pbc = [cell is not None and bool(np.any(cell != 0))] * 3
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise InvalidArgument(f"{where}: positions must have shape [n_atoms, 3], got {positions.shape}")
    message = hamd_pb2.Structure(atomic_numbers=numbers.tolist(),
                                 positions=array_to_proto(positions, "<f8"))
    if cell is not None:
        message.cell.CopyFrom(array_to_proto(cell, "<f8"))
    if any(pbc):
        message.pbc.extend(pbc)
    return message
