#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs disca on a small built-in demo:
# simulate five phantom classes, cluster them with `mpirun -np 2 disca train`, evaluate against the truth, report.
#   tools/demo.sh [WORKDIR]      (default: ./demo-run)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-demo-run}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

tools/install-deps.sh
swift build -c release --product disca
disca="$PWD/.build/release/disca"
mkdir -p "$work"

# Each step runs; a failing one stops the demo with its status.
step() {
  local name="$1"; shift
  echo "== $name: $*"
  set +e; "$@"; local rc=$?; set -e
  if [ "$rc" -ne 0 ]; then echo "demo: $name failed with status $rc" >&2; exit "$rc"; fi
  return 0
}

step simulate "$disca" simulate --output "$work/demo.h5" --per-class 100 --box 24 --snr 0.1 --tilt 60 --seed 1 --force \
  --montage "$work/montage.png" || true
if [ -f "$work/demo.h5" ]; then
  step train mpirun -np 2 "$disca" train --input "$work/demo.h5" --output "$work/run" --config configs/demo.toml \
    --force || true
fi
if [ -f "$work/run/result.h5" ]; then
  step evaluate "$disca" evaluate --result "$work/run/result.h5" --truth "$work/demo.h5" || true
  step report "$disca" report "$work/run" || true
fi
echo "demo: done (outputs in $work/)"
