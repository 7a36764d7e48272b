#!/bin/sh
# Runs in.ethanol (100 NVE steps of ethanol) with LAMMPS through the KIM model of this checkout:
# builds the C client and the KIM items if needed, points KIM at the build tree (an isolated
# collection: nothing is installed), and lets the model start a daemon (HAMD_COMMAND) if none
# answers on $HAMD_ADDRESS or the per-user socket. Prints LAMMPS' thermo output; the total energy
# stays within a few meV (0.5 fs steps).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build/native"
if [ ! -f "$build/clients/kim/hamd_EnergyModel/libkim-api-portable-model.so" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target hamd_EnergyDriver hamd_EnergyModel
fi
export KIM_API_MODEL_DRIVERS_DIR="$build/clients/kim" KIM_API_PORTABLE_MODELS_DIR="$build/clients/kim"
export HAMD_COMMAND="${HAMD_COMMAND:-node '$root/bin/hamd.js'}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/in.ethanol" "$here/ethanol.data" "$work/"
cd "$work"
lmp -in in.ethanol -log none
