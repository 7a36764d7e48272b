#!/usr/bin/env bash
# PySCF from the hamd guess against the per-user daemon (started when none answers; set
# HAMD_ADDRESS to use another). Exits 0 only when the SCF energy from the hamd guess equals the one
# from PySCF's default guess (1e-8 Eh). Needs PySCF (pip install pyscf) and the Python client
# (pip install ./clients/python, or run from the repository: this script sets PYTHONPATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHONPATH="$root/clients/python${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec python3 "$root/examples/pyscf/guess.py" "$@"
