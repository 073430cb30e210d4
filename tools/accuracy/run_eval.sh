#!/usr/bin/env bash
# Runs `disca train` (2 ranks, configs/demo.toml) on each set of the accuracy evaluation and scores it against the
# truth with `disca evaluate` (tools/accuracy/README.md).
#   tools/accuracy/run_eval.sh SETDIR RESULTDIR [extra disca train args, e.g. --set loop.max_iterations=2]
#   env: SETS="A_snr0.1_n2000 D1_snr0.1_n2000" to run only those sets (default: every SETDIR/*.h5);
#        DISCA=path/to/disca; CONFIG=configs/demo.toml; RANKS=2;
#        VERB=refine runs `disca refine` (the alignment stage alone, from no labels) instead of `disca train`
# Each run goes to RESULTDIR/NAME; a row (set, N, SNR, true K, K found, homogeneity, completeness, V-measure,
# minutes, command) is appended to RESULTDIR/table.md and RESULTDIR/table.jsonl. A set that already has a row in
# table.jsonl is skipped (delete its row to rerun it); a run directory without a row is replaced (--force).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[[ $# -ge 2 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
setdir="$(cd "$1" && pwd)"
mkdir -p "$2"
resultdir="$(cd "$2" && pwd)"
shift 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
disca="${DISCA:-$root/.build/release/disca}"
config="${CONFIG:-$root/configs/demo.toml}"
ranks="${RANKS:-2}"
[[ -x "$disca" ]] || { echo "run_eval: no disca binary at $disca (build it: swift build -c release)" >&2; exit 1; }
cd "$root"

if [[ -n "${SETS:-}" ]]; then
  read -r -a names <<<"$SETS"
else
  names=()
  for f in "$setdir"/*.h5; do [[ -e "$f" ]] && names+=("$(basename "$f" .h5)"); done
fi
[[ ${#names[@]} -gt 0 ]] || { echo "run_eval: no sets in $setdir" >&2; exit 1; }

table="$resultdir/table.md" jsonl="$resultdir/table.jsonl"
if [[ ! -f "$table" ]]; then
  printf '| set | N | SNR | true K | K found | homogeneity | completeness | V-measure | minutes | command |\n' >"$table"
  printf '|---|---|---|---|---|---|---|---|---|---|\n' >>"$table"
fi
touch "$jsonl"

for name in "${names[@]}"; do
  set_file="$setdir/$name.h5"
  [[ -f "$set_file" ]] || { echo "run_eval: no set $set_file" >&2; exit 1; }
  if grep -q "\"set\": \"$name\"" "$jsonl"; then echo "run_eval: $name: done already (row in $jsonl)"; continue; fi
  run="$resultdir/$name"
  force=()
  [[ -e "$run" ]] && force=(--force)
  if [[ "${VERB:-train}" == refine ]]; then
    result="$run.h5"
    command=(mpirun -np "$ranks" --oversubscribe "$disca" refine --input "$set_file" --output "$result" --config "$config"
             --force "$@")
  else
    result="$run/result.h5"
    command=(mpirun -np "$ranks" --oversubscribe "$disca" train --input "$set_file" --output "$run" --config "$config"
             "${force[@]}" "$@")
  fi
  echo "run_eval: $name: ${command[*]}"
  start=$(date +%s.%N)
  "${command[@]}" >"$resultdir/$name.log" 2>&1 || { echo "run_eval: $name: train failed, see $resultdir/$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  tail -n 2 "$resultdir/$name.log" | sed 's/^/  /'
  metrics=$("$disca" evaluate --result "$result" --truth "$set_file" --json)
  python3 - "$name" "$set_file" "$start" "$end" "$metrics" "${command[*]}" "$table" "$jsonl" <<'PY'
import json, sys
import h5py
name, set_file, start, end, metrics, command, table, jsonl = sys.argv[1:]
m = json.loads(metrics)
with h5py.File(set_file, "r") as f:
    snr = float(f.attrs["snr"])
minutes = (float(end) - float(start)) / 60
row = {"set": name, "N": m["n"], "snr": snr, "true_K": m["true_K"], "K": m["K"],
       "homogeneity": round(m["homogeneity"], 4), "completeness": round(m["completeness"], 4),
       "v_measure": round(m["v_measure"], 4), "adjusted_rand_index": round(m["adjusted_rand_index"], 4),
       "accuracy": m["accuracy"], "minutes": round(minutes, 2), "command": command}
with open(jsonl, "a") as f:
    f.write(json.dumps(row) + "\n")
with open(table, "a") as f:
    f.write(f"| {name} | {row['N']} | {snr:g} | {row['true_K']} | {row['K']} | {row['homogeneity']:.3f} | "
            f"{row['completeness']:.3f} | {row['v_measure']:.3f} | {minutes:.1f} | `{command}` |\n")
print(f"run_eval: {name}: K {row['K']} (true {row['true_K']}), homogeneity {row['homogeneity']:.3f}, "
      f"completeness {row['completeness']:.3f}, {minutes:.1f} min")
PY
done
