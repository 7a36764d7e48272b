#!/usr/bin/env bash
# Runs examples/fortran/md.f90 (20 velocity-Verlet steps of ethanol) against the hamd daemon
# ($HAMD_ADDRESS or the per-user socket; started if none answers) and checks its energies and forces
# against the Python session API. Builds the Fortran module and the example with the top-level CMake
# (in build/c-client) when no built example is found. Exit status 0 only when they agree.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=""
for candidate in build/c-client/clients/c/hamd_fortran_md build/native/clients/c/hamd_fortran_md; do
  if [ -x "$candidate" ]; then binary=$candidate; break; fi
done
if [ -z "$binary" ]; then
  cmake -S . -B build/c-client -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/c-client -j2 --target hamd_fortran_md
  binary=build/c-client/clients/c/hamd_fortran_md
fi
# A daemon the client starts runs this checkout's CLI unless `hamd` is installed.
if [ -z "${HAMD_COMMAND:-}" ] && ! command -v hamd >/dev/null; then export HAMD_COMMAND="node $PWD/bin/hamd.js"; fi
trajectory=$(mktemp /tmp/hamd-fortran-md.XXXXXX)
trap 'rm -f "$trajectory"' EXIT
"$binary" examples/fortran/ethanol.xyz 20 0.5 "$trajectory"
python3 examples/fortran/check.py "$trajectory" ${HAMD_ADDRESS:+"$HAMD_ADDRESS"}
