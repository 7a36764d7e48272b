"""An ASE calculator backed by a hamd energy model.

    from hamd.ase import HamdCalculator
    atoms.calc = HamdCalculator(model="water")   # None: the daemon's default energy model
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()

Units are ASE's: eV, Angstrom, eV/Angstrom, stress in eV/Angstrom^3 as a Voigt 6-vector (xx, yy,
zz, yz, xz, xy). results["energy_uncertainty"] holds the model's one-sigma energy uncertainty
(eV), which grows far from the model's training data. The calculator connects to the per-user
daemon and starts it when none answers (hamd.autostart).
"""
from typing import Any, Optional, Sequence

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from ase.stress import full_3x3_to_voigt_6_stress

from .client import Client, connect


class HamdCalculator(Calculator):
    """ASE calculator over a hamd energy model (see the module docstring for units and results)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies", "energy_uncertainty"]

    def __init__(self, model: Optional[str] = None, address: Optional[str] = None, client: Optional[Client] = None,
                 autostart: bool = True, timeout: float = 300.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        self._client = client if client is not None else connect(address, timeout=timeout, autostart=autostart)
        self._owns_client = client is None

    def calculate(self, atoms: Any = None, properties: Sequence[str] = ("energy",),
                  system_changes: Sequence[str] = all_changes) -> None:
        """One Predict call for the current atoms; fills self.results."""
        super().calculate(atoms, properties, system_changes)
        outputs = ["energy", "forces", "energy_uncertainty"]
        periodic = bool(np.all(self.atoms.pbc))
        if periodic:
            outputs.append("stress")
        if "energies" in properties:
            outputs.append("energies")
        result = self._client.predict(self.atoms, model=self.model, outputs=outputs)
        energy = float(result["energy"])
        self.results["energy"] = energy
        self.results["free_energy"] = energy
        self.results["forces"] = np.asarray(result["forces"], dtype=np.float64).reshape(-1, 3)
        self.results["energy_uncertainty"] = float(result["energy_uncertainty"])
        if periodic:
            self.results["stress"] = full_3x3_to_voigt_6_stress(np.asarray(result["stress"], dtype=np.float64).reshape(3, 3))
        if "energies" in result:
            self.results["energies"] = np.asarray(result["energies"], dtype=np.float64)

    def close(self) -> None:
        """Closes the connection when this calculator opened it."""
        if self._owns_client:
            self._client.close()
