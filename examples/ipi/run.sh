#!/usr/bin/env bash
# hamd through the i-PI protocol, self-contained: trains the tiny water model of
# tools/tiny_water_model.py (a few seconds), lets the client start a daemon serving it on a
# temporary socket, runs ase_server.py (ASE as the i-PI server, hamd-ipi as its driver, checked
# against the Python API), and, when i-PI is installed (`i-pi` on PATH), input.xml with i-PI
# itself (its first potential checked against the Python API). Exit 0 only if all agree.
# KEEP=1 keeps the work directory (model, daemon log, i-PI output) for a look afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d /tmp/hamd-ipi-example.XXXXXX)"
cleanup() { [ -f "$work/hamd.pid" ] && kill "$(cat "$work/hamd.pid")" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
export PYTHONPATH="$root/clients/python${PYTHONPATH:+:$PYTHONPATH}"
export HAMD_COMMAND="node $root/bin/hamd.js" HAMD_MODELS="$work/models" HAMD_ADDRESS="unix:$work/hamd.sock"
python3 "$root/tools/tiny_water_model.py" "$work" >/dev/null

python3 "$here/ase_server.py"

if command -v i-pi >/dev/null 2>&1; then
  cp "$here/input.xml" "$here/init.xyz" "$work/"
  sed -i "s|hamd-example|hamd-example-$$|" "$work/input.xml"
  (cd "$work" && exec i-pi input.xml > ipi.log 2>&1) &
  python3 -m hamd.ipi --unix "hamd-example-$$" --template "$work/init.xyz" --wait 120   # i-PI: EXIT after 20 steps
  python3 - "$work" <<'PY'
import sys, numpy as np, hamd
from ase.io import read
work = sys.argv[1]
first = np.loadtxt(f"{work}/md.out")[0]  # step, time, conserved, potential (eV, i-PI's own constants)
with hamd.connect() as client:
    energy = client.predict(read(f"{work}/init.xyz"), outputs=["energy"])["energy"]
ok = abs(first[3] - energy) < 1e-6 * abs(energy)
print(f"i-PI: first potential {first[3]:.8f} eV, Python API {energy:.8f} eV: {'agree' if ok else 'DISAGREE'}")
sys.exit(0 if ok else 1)
PY
else
  echo "i-PI not installed (pip install ipi): skipped input.xml"
fi
