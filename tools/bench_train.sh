#!/usr/bin/env bash
# Benchmarks of the whole loop (issue 6): seconds per iteration (one epoch: min_steps_per_iteration=0) on 1 and 2
# ranks for a config, predict throughput,
# and peak RSS per rank for N = 10^4 and 10^5 tiny subtomograms (it must not grow with N).
#   tools/bench_train.sh [CONFIG] [PER_CLASS]     (defaults: configs/demo.toml, 100)
# Prints one line per measurement; the machine's other load changes the numbers, so compare within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-configs/demo.toml}"
per_class="${2:-100}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
swift build -c release --product disca >/dev/null
disca="$PWD/.build/release/disca"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$disca" simulate --output "$work/set.h5" --per-class "$per_class" --box 24 --snr 0.1 --seed 11 >/dev/null
for ranks in 1 2; do
  mpirun -np "$ranks" --oversubscribe "$disca" train --input "$work/set.h5" --output "$work/run$ranks" \
    --config "$config" --set loop.max_iterations=2 --set loop.explore_iterations=0 \
    --set training.min_steps_per_iteration=0 >/dev/null
  python3 - "$work/run$ranks/history.jsonl" "$ranks" "$config" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first = rows[0]
print(f"train {sys.argv[3]}: ranks {sys.argv[2]}: iteration 0 (features + mixtures + one epoch) {first['seconds']:.1f} s, "
      f"{first['subtomograms_per_second']:.1f} subtomograms/s")
PY
done
out=$(mpirun -np 2 --oversubscribe "$disca" predict --model "$work/run2" --input "$work/set.h5" --output "$work/pred.h5" --force)
echo "predict $config: ranks 2: $(echo "$out" | grep predicted)"

for n in 10000 100000; do
  "$disca" simulate --output "$work/tiny$n.h5" --per-class $((n / 5)) --box 8 --snr 0.1 --seed 3 --no-ctf --max-shift 1 >/dev/null
  line=$(mpirun -np 2 --oversubscribe "$disca" train --input "$work/tiny$n.h5" --output "$work/tinyrun$n" \
    --set network.blocks=2 --set network.first_width=4 --set network.width_step=4 --set network.feature_size=8 \
    --set mixture.pca_components=4 --set mixture.candidates=2-4 --set loop.max_iterations=2 \
    --set loop.explore_iterations=0 --set training.batch_size=64 --set input.read_rows=128 | grep "peak RSS")
  echo "N=$n box 8: $line"
  rm -f "$work/tiny$n.h5"
done
