#!/usr/bin/env python3
"""Times scikit-learn's GaussianMixture on the points of `disca bench mixture`, with the same settings.

    disca bench mixture --n 200000 --write-points /tmp/points.f32 --json > swift.json
    python3 tools/bench_mixture_sklearn.py --points /tmp/points.f32 --n 200000 --dims 16 > sklearn.json

Fits per candidate K: covariance_type="full", init_params="random" (random responsibilities), n_init starts,
reg_covar 1e-5, tol, max_iter; then the BIC. Prints one JSON object shaped like the Swift benchmark's (seconds,
EM steps counted over all starts, per candidate). Numpy's BLAS threads are whatever the environment sets
(OPENBLAS_NUM_THREADS / OMP_NUM_THREADS); the script reports them when threadpoolctl is available.
"""
import argparse
import json
import time
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture


class CountingMixture(GaussianMixture):
    """Counts M-steps (= EM steps) over all starts."""
    steps = 0

    def _m_step(self, X, log_resp, xp=None):
        CountingMixture.steps += 1
        return super()._m_step(X, log_resp, xp=xp)


def parse_candidates(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", required=True, help="raw float32 (n, dims) from disca bench mixture --write-points")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--dims", type=int, default=16)
    ap.add_argument("--candidates", default="2-20")
    ap.add_argument("--n-init", type=int, default=5)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    x = np.fromfile(args.points, dtype="<f4").reshape(args.n, args.dims).astype(np.float64)
    threads = None
    try:
        from threadpoolctl import threadpool_info
        threads = [i.get("num_threads") for i in threadpool_info()]
    except ImportError:
        pass
    per = []
    t_all = time.perf_counter()
    for k in parse_candidates(args.candidates):
        CountingMixture.steps = 0
        t0 = time.perf_counter()
        gm = CountingMixture(n_components=k, covariance_type="full", init_params="random", n_init=args.n_init,
                             reg_covar=1e-5, tol=args.tol, max_iter=args.max_iter, random_state=args.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gm.fit(x)
        bic = float(gm.bic(x))
        per.append({"k": k, "seconds": time.perf_counter() - t0, "emSteps": CountingMixture.steps, "bic": bic})
    total = time.perf_counter() - t_all
    steps = sum(p["emSteps"] for p in per)
    print(json.dumps({"tool": "scikit-learn", "n": args.n, "dims": args.dims, "candidates": parse_candidates(args.candidates),
                      "n_init": args.n_init, "tol": args.tol, "max_iter": args.max_iter, "seconds": total,
                      "emSteps": steps, "secondsPerEMStep": total / max(steps, 1), "blasThreads": threads,
                      "selectedK": min(per, key=lambda p: p["bic"])["k"], "perCandidate": per}, sort_keys=True))


if __name__ == "__main__":
    main()
