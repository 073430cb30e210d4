#!/usr/bin/env bash
# Runs tools/plot_run.py on a tiny run directory fabricated here with h5py (the run directory format of
# `disca train`: history.jsonl, samples.h5, plus a truth file), and checks its outputs. Skipped, with a message, when
# numpy/h5py/matplotlib/scikit-learn do not import. Last line: 'N passed, N failed' (', N skipped').
#   bash tools/tests/plot_test.sh
set -u
cd "$(dirname "$0")/../.."
passed=0; failed=0
check() {   # check NAME COMMAND...: runs the command, counts and reports the outcome
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

if ! python3 -c "import numpy, h5py, matplotlib, sklearn" 2>/dev/null; then
  echo "plot_test: skipped: numpy, h5py, matplotlib or scikit-learn not importable (pip install -r tools/plot_requirements.txt)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run="$work/run"

# Three iterations of 60 sampled subtomograms out of 90, K = 3; iteration 1 has the lowest DDBI; iteration 0 has no
# changed fraction and no loss (null), as `disca train` writes it.
python3 - "$run" "$work/truth.h5" <<'PY'
import json, os, sys
import h5py, numpy as np
run, truth_path = sys.argv[1], sys.argv[2]
os.makedirs(run)
rng = np.random.default_rng(1)
n, s, k, p = 90, 60, 3, 16
truth = np.repeat(np.arange(k), n // k).astype(np.int32)
rows = np.sort(rng.choice(n, s, replace=False)).astype(np.int64)
ddbi = [0.9, 0.35, 0.5]
with open(os.path.join(run, "history.jsonl"), "w") as f:
    for i in range(3):
        f.write(json.dumps({"iteration": i, "K": k, "bic": -1000.0 - 10 * i, "ddbi": ddbi[i],
                            "changed_fraction": None if i == 0 else 0.2 / i, "loss": None if i == 0 else 1.0 / i,
                            "seconds": 2.0, "subtomograms_per_second": 45.0, "cluster_sizes": [30, 30, 30],
                            "best_iteration": int(np.argmin(ddbi[:i + 1])), "learning_rate": 1e-5,
                            "smoothing": 0.2, "converged": i == 2}) + "\n")
with h5py.File(os.path.join(run, "samples.h5"), "w") as f:
    f["rows"] = rows
    centres = rng.normal(0, 8, (k, p))
    for i in range(3):
        g = f.create_group("iteration_%04d" % i)
        g["features_pca"] = (centres[truth[rows]] + rng.normal(0, 1, (s, p))).astype(np.float32)
        g["labels"] = truth[rows]
        g.attrs["K"] = k; g.attrs["bic"] = -1000.0; g.attrs["ddbi"] = ddbi[i]
with h5py.File(truth_path, "w") as f:
    f["labels_true"] = truth
PY
check "fabricated run directory" test -f "$run/samples.h5"

out="$work/out.txt"
python3 tools/plot_run.py "$run" --truth "$work/truth.h5" --perplexity 10 --tsne-steps 250 >"$out" 2>&1
status=$?
check "plot_run.py exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$out"
check "report.html written and printed" grep -qx "$run/report.html" "$out"
for f in curves cluster_sizes tsne_iteration_0000 tsne_iteration_0001 tsne_iteration_0002; do
  check "plots/$f.png exists" test -s "$run/plots/$f.png"
done
# Every PNG decodes to a non-blank image; the t-SNE maps have two panels (cluster, true class) so are wider than tall.
check "PNGs decode, maps have two panels" python3 - "$run/plots" <<'PY'
import os, sys
import matplotlib.image as mpimg
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    a = mpimg.imread(os.path.join(d, name))
    assert a.ndim == 3 and a.shape[0] > 100 and a.shape[1] > 100, (name, a.shape)
    assert a[..., :3].std() > 0.01, (name, "blank")
    if name.startswith("tsne"):
        assert a.shape[1] > 1.6 * a.shape[0], (name, a.shape)
PY
check "HTML embeds 5 PNGs" test "$(grep -o 'src="data:image/png;base64,' "$run/report.html" | wc -l)" -eq 5
check "HTML names the chosen iteration" grep -q "Chosen iteration: <b>1</b>" "$run/report.html"
check "HTML shows null loss as -" grep -q "<tr><td>0</td><td>3</td><td>-1000.00</td><td>0.9000</td><td>-</td><td>-</td>" "$run/report.html"
check "HTML says converged" grep -q "converged at iteration 2" "$run/report.html"

python3 tools/plot_run.py "$work/none" >"$out" 2>&1
status=$?
check "missing run directory exits 2" test "$status" -eq 2
check "missing run directory says so" grep -q "plot_run.py: error: $work/none: no such run directory" "$out"
python3 tools/plot_run.py "$run" --truth "$work/none.h5" --tsne-steps 250 >"$out" 2>&1
status=$?
check "missing truth file exits 2 with its name" test "$status" -eq 2 -a -n "$(grep "$work/none.h5: no such file" "$out")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
