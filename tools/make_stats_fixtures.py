#!/usr/bin/env python3
"""Reference fixtures for Tests/DiscaStatsTests (scikit-learn, scipy, numpy).

    python3 tools/make_stats_fixtures.py [--out Tests/DiscaStatsTests/Fixtures]

Writes small JSON files:
  mixture.json    GaussianMixture(covariance_type="full") fits started from GIVEN responsibilities (random ones drawn
                  here, or one-hot labels for a warm start), so the Swift EM can be compared attribute by attribute
  pca.json        PCA(svd_solver="full"): mean, components (sign: largest |entry| positive), variances, projections
  metrics.json    homogeneity / completeness / V-measure, adjusted Rand, Hungarian accuracy
  ddbi.json       the DISCA reference DDBI (np.cov with ddof 1, + reg_covar, inverse)
  hungarian.json  scipy linear_sum_assignment optimal costs of random rectangular matrices
Data are float32 values (stored exactly as JSON doubles) so the Swift side reads the same numbers.
"""
import argparse
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure
from sklearn.metrics.cluster import contingency_matrix
from sklearn.mixture import GaussianMixture


class GivenResponsibilities(GaussianMixture):
    """GaussianMixture whose n_init starts use the responsibilities `self.starts[i] / row sums`, in order
    (scikit-learn's own `_initialize(X, resp)`: weights, means, covariances from resp, weights / n_samples)."""

    def _initialize_parameters(self, X, random_state, xp=None):
        weights = np.asarray(self.starts[self.next_start], dtype=X.dtype)
        self.next_start += 1
        self._initialize(X, weights / weights.sum(axis=1, keepdims=True))


def f32list(x):
    """float32 values as their shortest decimal text (short JSON); checks that reading the text as a double and
    rounding to Float gives back every value exactly (the Swift side does that)."""
    x = np.asarray(x, dtype=np.float32).ravel()
    out = [float(str(v)) for v in x]
    assert np.array_equal(np.asarray(out, dtype=np.float64).astype(np.float32), x)
    return out


def blobs(rng, n, d, k, spread, scale=1.0, offset=0.0):
    centres = rng.normal(0, spread, size=(k, d))
    labels = rng.integers(0, k, size=n)
    mixing = [np.eye(d) * scale + 0.3 * scale * rng.normal(size=(d, d)) for _ in range(k)]
    x = np.stack([centres[l] + mixing[l] @ rng.normal(size=d) for l in labels]) + offset
    return x.astype(np.float32), labels


def random_resp(rng, n, k):
    """Unnormalised start weights, 4 decimals (short in JSON); rows are normalised where used, on both sides."""
    return rng.uniform(0.0001, 1, size=(n, k)).round(4)


def onehot(labels, k):
    r = np.zeros((len(labels), k))
    r[np.arange(len(labels)), labels] = 1
    return r


def mixture_case(name, x, k, starts, tol, max_iter, reg_covar=1e-5):
    x64 = x.astype(np.float64)
    gm = GivenResponsibilities(n_components=k, covariance_type="full", tol=tol, reg_covar=reg_covar,
                               max_iter=max_iter, n_init=len(starts), init_params="random")
    gm.starts, gm.next_start = starts, 0
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = gm.fit_predict(x64)
    n = x64.shape[0]
    return {
        "name": name, "n": n, "d": x.shape[1], "k": k, "tol": tol, "max_iter": max_iter, "reg_covar": reg_covar,
        "x": f32list(x),
        "starts": [np.asarray(s, dtype=np.float64).ravel().tolist() for s in starts],   # normalise rows before use
        "weights": gm.weights_.tolist(), "means": gm.means_.ravel().tolist(),
        "covariances": gm.covariances_.ravel().tolist(),
        "precisions_cholesky": gm.precisions_cholesky_.ravel().tolist(),
        "lower_bound": float(gm.lower_bound_), "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_),
        "labels": labels.tolist(), "total_log_likelihood": float(gm.score(x64) * n), "bic": float(gm.bic(x64)),
        "posterior_first_rows": gm.predict_proba(x64[:5]).ravel().tolist(),
    }


def mixture_fixtures(rng):
    cases = []
    x, _ = blobs(rng, 240, 4, 3, spread=6.0, offset=3.0)
    cases.append(mixture_case("blobs3", x, 3, [random_resp(rng, 240, 3) for _ in range(2)], 1e-3, 100))
    x2, truth2 = blobs(rng, 300, 5, 2, spread=1.5)
    x2 = np.concatenate([x2, rng.uniform(-4, 4, size=(60, 5)).astype(np.float32)])
    cases.append(mixture_case("overlap4", x2, 4, [random_resp(rng, 360, 4) for _ in range(3)], 1e-4, 100))
    cases.append(mixture_case("maxiter", x2, 3, [random_resp(rng, 360, 3)], 1e-4, 4))
    # Warm start from noisy labels (one-hot responsibilities).
    x3, truth3 = blobs(rng, 200, 3, 3, spread=4.0)
    noisy = truth3.copy()
    flip = rng.uniform(size=200) < 0.2
    noisy[flip] = rng.integers(0, 3, size=flip.sum())
    cases.append(mixture_case("warm", x3, 3, [onehot(noisy, 3)], 1e-3, 100))
    # A collapsing component: 12 copies of one point, and a start that leaves one component empty.
    x4, _ = blobs(rng, 150, 3, 2, spread=5.0)
    x4 = np.concatenate([x4, np.tile(np.array([[7.0, -3.0, 2.0]], dtype=np.float32), (12, 1))])
    r = random_resp(rng, 162, 3)
    r[:, 2] = 0.0
    r[150:] = [0.0, 0.0, 1.0]   # component 2 holds exactly the copies
    empty = random_resp(rng, 162, 4)
    empty[:, 3] = 0.0           # component 3 starts empty
    cases.append(mixture_case("collapse", x4, 3, [r], 1e-3, 100))
    cases.append(mixture_case("empty", x4, 4, [empty], 1e-3, 20))
    # The DISCA width: d = 16.
    x5, _ = blobs(rng, 400, 16, 3, spread=2.0)
    cases.append(mixture_case("d16", x5, 3, [random_resp(rng, 400, 3)], 1e-3, 100))
    return {"cases": cases}


def pca_fixture(rng):
    n, d, k = 150, 10, 4
    latent = rng.normal(size=(n, 4)) * np.array([5.0, 3.0, 2.0, 1.0])
    x = (latent @ rng.normal(size=(4, d)) + 0.1 * rng.normal(size=(n, d)) + 5.0).astype(np.float32)
    x64 = x.astype(np.float64)
    pca = PCA(n_components=k, svd_solver="full").fit(x64)
    comps = pca.components_.copy()
    signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
    comps *= signs[:, None]
    projected = (x64 - pca.mean_) @ comps.T
    return {"n": n, "d": d, "k": k, "x": f32list(x), "mean": pca.mean_.tolist(),
            "components": comps.ravel().tolist(), "explained_variance": pca.explained_variance_.tolist(),
            "explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
            "projected": projected.ravel().tolist()}


def metrics_case(name, truth, pred):
    h, c, v = homogeneity_completeness_v_measure(truth, pred)
    ct = contingency_matrix(truth, pred)
    acc = None
    if ct.shape[0] == ct.shape[1]:
        rows, cols = linear_sum_assignment(-ct)
        acc = float(ct[rows, cols].sum() / len(truth))
    return {"name": name, "truth": [int(t) for t in truth], "predicted": [int(p) for p in pred],
            "homogeneity": h, "completeness": c, "v_measure": v,
            "adjusted_rand": float(adjusted_rand_score(truth, pred)), "accuracy": acc}


def metrics_fixture(rng):
    truth = rng.integers(0, 5, size=500)
    noisy = truth.copy()
    flip = rng.uniform(size=500) < 0.3
    noisy[flip] = rng.integers(0, 5, size=flip.sum())
    perm = np.array([3, 0, 4, 1, 2])
    cases = [
        metrics_case("random_5_vs_6", truth, rng.integers(0, 6, size=500)),
        metrics_case("noisy_permuted", truth, perm[noisy]),
        metrics_case("perfect_permuted", truth, perm[truth] * 7 + 1),
        metrics_case("single_cluster", truth, np.zeros(500, dtype=int)),
        metrics_case("split", truth, truth * 2 + (rng.uniform(size=500) < 0.5)),
        metrics_case("merged", truth, truth // 2),
    ]
    return {"cases": cases}


def reference_ddbi(features, labels, reg_covar):
    """The DISCA reference implementation (aitom disca), verbatim in its arithmetic."""
    means_init = np.array([np.mean(features[labels == i], 0) for i in np.unique(labels)])
    precisions_init = np.array([np.linalg.inv(np.cov(features[labels == i].T) + reg_covar * np.eye(features.shape[1]))
                                for i in np.unique(labels)])
    T = np.array([np.mean(np.diag((features[labels == i] - means_init[i]).dot(precisions_init[i]).dot(
        (features[labels == i] - means_init[i]).T))) for i in np.unique(labels)])
    D = np.array([np.diag((means_init - means_init[i]).dot(precisions_init[i]).dot((means_init - means_init[i]).T))
                  for i in np.unique(labels)])
    m = len(np.unique(labels))
    R = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            if i != j:
                R[i, j] = (T[i] + T[j]) / (D[i, j] + D[j, i])
    return float(np.mean(np.max(R, 0)))


def ddbi_fixture(rng):
    cases = []
    for name, spread in [("separated", 6.0), ("overlapping", 1.0)]:
        x, labels = blobs(rng, 200, 4, 4, spread=spread)
        cases.append({"name": name, "d": 4, "k": 4, "reg_covar": 1e-5, "x": f32list(x),
                      "labels": labels.tolist(), "ddbi": reference_ddbi(x.astype(np.float64), labels, 1e-5)})
    return {"cases": cases}


def hungarian_fixture(rng):
    cases = []
    for rows, cols in [(5, 5), (4, 7), (7, 4), (12, 12), (1, 3), (20, 20)]:
        cost = rng.uniform(0, 100, size=(rows, cols)).round(3)
        r, c = linear_sum_assignment(cost)
        cases.append({"rows": rows, "cols": cols, "cost": cost.ravel().tolist(), "optimum": float(cost[r, c].sum())})
    return {"cases": cases}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "Tests", "DiscaStatsTests", "Fixtures"))
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20230411)
    versions = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}
    for name, make in [("mixture", mixture_fixtures), ("pca", pca_fixture), ("metrics", metrics_fixture),
                       ("ddbi", ddbi_fixture), ("hungarian", hungarian_fixture)]:
        data = make(rng)
        data["versions"] = versions
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(data, f, separators=(",", ":"))
        print(name, os.path.getsize(os.path.join(out, name + ".json")), "bytes")


if __name__ == "__main__":
    main()
