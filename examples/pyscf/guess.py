"""PySCF from the hamd guess: RHF/def2-SVP of pyridine started from the daemon's Hamiltonian model,
checked against the same SCF from PySCF's default guess (exit 0 only when the energies agree).

    python3 examples/pyscf/guess.py [--basis def2-svp] [--method rhf|b3lyp] [--address unix:/path]

Connects to the per-user daemon ($HAMD_ADDRESS, else the default socket), starting one when none
answers. The lines marked "hamd" are all that differ from a plain PySCF run."""
import argparse
import sys
import time

from pyscf import dft, gto, scf

import hamd          # hamd
import hamd.pyscf    # hamd

PYRIDINE = """N  1.3973  0.0010 -0.0007
C  0.6912  1.1405  0.0002
C -0.6990  1.1954  0.0007
C -1.4175  0.0041 -0.0005
C -0.7117 -1.1903 -0.0009
C  0.6784 -1.1418  0.0002
H  1.2418  2.0797  0.0008
H -1.2104  2.1541  0.0016
H -2.5032  0.0030 -0.0006
H -1.2319 -2.1423 -0.0017
H  1.2206 -2.0847  0.0009"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--basis", default="def2-svp")
    parser.add_argument("--method", default="rhf", help="rhf or a DFT functional (e.g. b3lyp)")
    parser.add_argument("--address", default=None)
    args = parser.parse_args()
    mol = gto.M(atom=PYRIDINE, basis=args.basis, verbose=0)

    cycles = {}

    def mean_field():
        mf = scf.RHF(mol) if args.method == "rhf" else dft.RKS(mol, xc=args.method)
        mf.conv_tol = 1e-10
        cycles[mf] = 0
        mf.callback = lambda _: cycles.__setitem__(mf, cycles[mf] + 1)
        return mf

    start = time.perf_counter()
    with hamd.connect(args.address, autostart=True) as client:        # hamd
        mf = hamd.pyscf.attach(mean_field(), client=client)           # hamd
        energy = mf.kernel()
    hamd_s = time.perf_counter() - start
    start = time.perf_counter()
    default = mean_field()
    reference = default.kernel()
    default_s = time.perf_counter() - start

    agree = mf.converged and default.converged and abs(energy - reference) < 1e-8
    print(f"pyridine {args.method}/{args.basis}: hamd guess E = {energy:.10f} Eh in {cycles[mf]} cycles "
          f"({hamd_s:.1f} s), PySCF default guess E = {reference:.10f} Eh in {cycles[default]} cycles "
          f"({default_s:.1f} s): {'agree' if agree else 'DISAGREE'} (|dE| = {abs(energy - reference):.1e} Eh)")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
