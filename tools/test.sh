#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test of disca (the README's second command; CI runs exactly this).
#   tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One BLAS thread per rank: tests run several ranks on a small machine.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

tools/install-deps.sh --slurm
# Python packages for fixtures/plots are optional for the tests (tests that need them skip with a message).
tools/install-deps.sh --python >/dev/null 2>&1 || echo "test.sh: Python packages of tools/ not installable; plot test will skip"

swift build
swift build -c release --product disca
# The multi-process tests run the release binary (much faster than debug for real work).
export DISCA_BIN="$PWD/.build/release/disca"
set +e
swift test > .build/test-output.txt 2>&1
status=$?
set -e
grep -vE "^Test (Case|Suite) .*(started|passed)|^\[[0-9]+/[0-9]+\]" .build/test-output.txt || true
if [ "$status" -ne 0 ]; then echo "test.sh: swift test failed (status $status)"; exit "$status"; fi

# Shell-level tests (real Slurm, plot script), each prints 'N passed, N failed'.
for t in tools/tests/*.sh; do
  [ -e "$t" ] || continue
  echo "== $t"
  bash "$t"
done
