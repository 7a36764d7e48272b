"""Ethanol at 300 K with ASE's Langevin dynamics on hamd's default energy model.

The two lines that make an ASE script use hamd are marked; the rest is plain ASE. Prints the
energy, temperature and the model's energy uncertainty every 50 steps, then checks that the
NVE part of the run conserves the total energy and that the calculator's energy and forces for
the final structure equal the Python API's (client.predict, 1e-10 relative); exit status 1 if not.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from ase import units
from ase.io import read
from ase.md.langevin import Langevin
try:  # ASE >= 3.28
    from ase.md.velocitydistribution import thermalize_momenta
except ImportError:
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as thermalize_momenta
from ase.md.verlet import VelocityVerlet

from hamd.ase import HamdCalculator  # (1) the calculator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="Langevin steps, then as many NVE steps")
    parser.add_argument("--timestep", type=float, default=0.5, help="fs")
    parser.add_argument("--model", default=None, help="hamd energy model (default: the daemon's)")
    args = parser.parse_args()

    atoms = read(Path(__file__).with_name("ethanol.xyz"))
    atoms.calc = HamdCalculator(model=args.model)  # (2) atoms now get energies and forces from hamd
    thermalize_momenta(atoms, temperature_K=300, rng=np.random.default_rng(7))

    def report(dyn, label):
        e_pot = atoms.get_potential_energy()
        sigma = atoms.calc.results["energy_uncertainty"]
        print(f"{label} step {dyn.nsteps:5d}  E_pot {e_pot:12.5f} eV  E_tot {e_pot + atoms.get_kinetic_energy():12.5f} eV"
              f"  T {atoms.get_temperature():6.1f} K  sigma(E) {1000 * sigma:6.1f} meV", flush=True)

    langevin = Langevin(atoms, args.timestep * units.fs, temperature_K=300, friction=0.01 / units.fs,
                        fixcm=False, rng=np.random.default_rng(11))
    langevin.attach(lambda: report(langevin, "NVT"), interval=50)
    langevin.run(args.steps)

    totals = []
    verlet = VelocityVerlet(atoms, args.timestep * units.fs)
    verlet.attach(lambda: totals.append(atoms.get_potential_energy() + atoms.get_kinetic_energy()), interval=1)
    verlet.attach(lambda: report(verlet, "NVE"), interval=50)
    verlet.run(args.steps)

    # The calculator's answer for the final structure must be the Python API's (Predict).
    import hamd
    with hamd.connect() as client:
        reference = client.predict(atoms, model=args.model, outputs=("energy", "forces"))
    e, f = atoms.get_potential_energy(), atoms.get_forces()
    agree = abs(e - reference["energy"]) <= 1e-10 * abs(reference["energy"]) and \
        np.abs(f - reference["forces"]).max() <= 1e-10 * np.abs(reference["forces"]).max()
    print(f"final structure: calculator and client.predict agree: {agree}")
    atoms.calc.close()

    totals = np.array(totals)
    drift = abs(totals[-1] - totals[0])
    # Velocity Verlet with a smooth potential: the total energy oscillates with an amplitude of
    # order (dt * omega)^2 * E_kin and does not drift; 2 % of the kinetic energy (3/2 N k T) is a
    # generous bound at 0.5 fs for the fastest (C-H, ~11 fs period) vibrations.
    bound = 0.02 * 1.5 * len(atoms) * units.kB * 300
    print(f"NVE: total energy spread {1000 * np.ptp(totals):.2f} meV, drift {1000 * drift:.2f} meV (bound {1000 * bound:.1f} meV)")
    return 0 if drift <= bound and agree else 1


if __name__ == "__main__":
    sys.exit(main())
