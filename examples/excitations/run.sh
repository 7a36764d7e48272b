#!/usr/bin/env bash
# Valid orbital levels and sTDA excitations of a few G2 molecules against the per-user daemon
# (started when none answers; set HAMD_ADDRESS to use another). Needs ASE (pip install ase) and the
# Python client (pip install ./clients/python, or run from the repository: this script sets PYTHONPATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHONPATH="$root/clients/python${PYTHONPATH:+:$PYTHONPATH}"
exec python3 "$root/examples/excitations/spectrum.py" "$@"
