"""An ASE calculator backed by a hamd energy model, over one simulation session.

    from hamd.ase import HamdCalculator
    atoms.calc = HamdCalculator(model="water")   # None: the daemon's default energy model
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()

Units are ASE's: eV, Angstrom, eV/Angstrom, stress in eV/Angstrom^3 as a Voigt 6-vector (xx, yy,
zz, yz, xz, xy). results["energy_uncertainty"] holds the model's one-sigma energy uncertainty
(eV), which grows far from the model's training data. The calculator connects to the per-user
daemon (starting it when none answers, hamd.autostart) and evaluates every step in one
streaming session (docs/sessions.md), reopened transparently when the atoms' numbers, count or
periodicity change.
"""
from typing import Any, Optional, Sequence, Tuple

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from ase.stress import full_3x3_to_voigt_6_stress

from .client import Client, connect
from .session import Session


class HamdCalculator(Calculator):
    """ASE calculator over a hamd energy model (see the module docstring for units and results)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies", "energy_uncertainty"]

    def __init__(self, model: Optional[str] = None, address: Optional[str] = None, client: Optional[Client] = None,
                 autostart: bool = True, timeout: float = 300.0, skin: Optional[float] = None, **kwargs: Any) -> None:
        """model: energy model name (None: the daemon's default energy model); address: the
        daemon (None: $HAMD_ADDRESS or the per-user socket); client: an existing hamd Client to
        use instead; skin: Verlet skin of the session's neighbour lists (None: daemon default)."""
        super().__init__(**kwargs)
        self.model = model
        self.skin = skin
        self._client = client if client is not None else connect(address, timeout=timeout, autostart=autostart)
        self._owns_client = client is None
        self._session: Optional[Session] = None
        self._session_key: Optional[Tuple[Any, ...]] = None

    def _session_for(self, atoms: Any) -> Session:
        periodic = bool(np.all(atoms.pbc))
        key = (tuple(atoms.numbers.tolist()), tuple(bool(p) for p in atoms.pbc))
        if self._session is None or key != self._session_key:
            self._close_session()
            outputs = ["energy", "forces", "energies", "energy_uncertainty"] + (["stress"] if periodic else [])
            self._session = self._client.session(atoms, outputs=outputs, model=self.model, skin=self.skin)
            self._session_key = key
        return self._session

    def calculate(self, atoms: Any = None, properties: Sequence[str] = ("energy",),
                  system_changes: Sequence[str] = all_changes) -> None:
        """One session step for the current atoms; fills self.results."""
        super().calculate(atoms, properties, system_changes)
        periodic = bool(np.all(self.atoms.pbc))
        session = self._session_for(self.atoms)
        result = session.step(self.atoms.positions, cell=self.atoms.cell[:] if periodic else None)
        energy = float(result["energy"])
        self.results["energy"] = energy
        self.results["free_energy"] = energy
        self.results["forces"] = np.asarray(result["forces"], dtype=np.float64).reshape(-1, 3)
        self.results["energies"] = np.asarray(result["energies"], dtype=np.float64)
        self.results["energy_uncertainty"] = float(result["energy_uncertainty"])
        if periodic:
            self.results["stress"] = full_3x3_to_voigt_6_stress(np.asarray(result["stress"], dtype=np.float64).reshape(3, 3))

    def _close_session(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session = None
        self._session_key = None

    def close(self) -> None:
        """Closes the session (and the connection, when the calculator made it)."""
        self._close_session()
        if self._owns_client:
            self._client.close()
