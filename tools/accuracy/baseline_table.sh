#!/usr/bin/env bash
# The training-free baseline (baseline.py) on every set of the accuracy evaluation, with K by BIC and with K given
# (the true K, the number of distinct /labels_true, read here only to pass it as --k), as one Markdown table.
#   tools/accuracy/baseline_table.sh SETDIR OUT.md       (also writes OUT.jsonl, the rows as baseline.py prints them)
set -euo pipefail
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1   # one core: the fits are small
here="$(cd "$(dirname "$0")" && pwd)"
[[ $# -eq 2 ]] || { sed -n '2,4p' "$0" >&2; exit 2; }
setdir="$1" out="$2"
jsonl="${out%.md}.jsonl"
: >"$jsonl"
{
  printf '| set | N | SNR | PCA d | K by BIC | homogeneity | completeness | K given | homogeneity | completeness | seconds |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
} >"$out"
for f in "$setdir"/*.h5; do
  [[ -e "$f" ]] || { echo "baseline_table: no sets in $setdir" >&2; exit 1; }
  true_k=$(python3 -c 'import sys, h5py, numpy as np; print(len(np.unique(h5py.File(sys.argv[1], "r")["/labels_true"][:])))' "$f")
  bic=$(python3 "$here/baseline.py" --input "$f" --json)
  given=$(python3 "$here/baseline.py" --input "$f" --k "$true_k" --json)
  printf '%s\n%s\n' "$bic" "$given" >>"$jsonl"
  python3 - "$bic" "$given" >>"$out" <<'PY'
import json, sys
b, g = (json.loads(a) for a in sys.argv[1:])
print(f"| {b['set']} | {b['N']} | {b['snr']:g} | {b['pca_dimensions']} | {b['K']} | {b['homogeneity']:.3f} | "
      f"{b['completeness']:.3f} | {g['K']} | {g['homogeneity']:.3f} | {g['completeness']:.3f} | "
      f"{b['seconds'] + g['seconds']:.0f} |")
PY
  tail -n 1 "$out"
done
