"""Orbital levels the model vouches for, and singlet excitation energies (sTDA on the predicted
orbitals), for a few molecules of ASE's G2 set.

    python3 examples/excitations/spectrum.py [--states 3] [--address unix:/path] [NAME ...]

Connects to the per-user daemon ($HAMD_ADDRESS, else the default socket), starting one when none
answers. For each molecule it prints the HOMO, the LUMO and gap (or why they are withheld: the
model does not vouch for the LUMO of a saturated molecule), and the lowest singlets with their
oscillator strengths and the share of each state on orbitals the model was trained for."""
import argparse
import sys

from ase.build import molecule

import hamd

DEFAULT = ["butadiene", "H2CO", "C6H6", "C5H5N", "H2O", "trans-butane"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=DEFAULT, help="ASE G2 names (default: %(default)s)")
    parser.add_argument("--states", type=int, default=3)
    parser.add_argument("--address", default=None)
    args = parser.parse_args()
    outputs = ["homo", "lumo", "gap", "excitation_energies", "oscillator_strengths"]
    with hamd.connect(args.address, autostart=args.address is None) as client:
        for name in args.names:
            r = client.predict(molecule(name), outputs=outputs, units="ev", n_states=args.states)
            frontier = (f"HOMO {r['homo']:7.2f} eV  LUMO {r['lumo']:6.2f} eV  gap {r['gap']:5.2f} eV"
                        if "gap" in r else f"HOMO {r['homo']:7.2f} eV  LUMO and gap withheld")
            print(f"{name:13s} {frontier}")
            for k, (e, f, w) in enumerate(zip(r["excitation_energies"], r["oscillator_strengths"],
                                              r["excitation_valid_weight"])):
                print(f"{'':13s}   S{k + 1}  {e:5.2f} eV  f = {f:6.3f}  on trained orbitals: {100 * w:3.0f} %")
            for warning in r["warnings"]:
                print(f"{'':13s}   note: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
