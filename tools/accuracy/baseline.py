#!/usr/bin/env python3
"""The training-free baseline for the accuracy evaluation (tools/accuracy/README.md).

    python3 tools/accuracy/baseline.py --input SET.h5 [--k K] [--json] [--seed S]

Per subtomogram: the radial density profile (mean in D/2 spherical shells of width 1 voxel about the box centre) and
the log radial power spectrum (log of the mean |F|^2 in the D/2 frequency shells 1 .. D/2 of width 1, DC left out: the
sets are normalised to mean 0); both are rotation invariant, so this is what a classifier gets without learning or
alignment. Each feature is standardised over the set; PCA to d = min(16, features, the largest d with
K_max (d + d(d+1)/2 + 1) - 1 <= N, K_max = 20), at least 2; scikit-learn GaussianMixture with full covariances,
n_init 5, K by the lowest BIC over 2 .. 20 (or K given with --k). Only then is /labels_true read, to score:
homogeneity, completeness and V-measure (sklearn.metrics). Prints one line, or one JSON object with --json.
"""
import argparse
import json
import os
import sys
import time

import h5py
import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import homogeneity_completeness_v_measure
from sklearn.mixture import GaussianMixture

K_MAX = 20
MAX_DIMENSIONS = 16


def shell_index(d, frequency):
    """Shell (0 .. d/2 - 1 kept, others -1) of each voxel of a d^3 box: real space about the centre (d - 1) / 2,
    or frequency space (integer frequencies, |k| rounded, shells 1 .. d/2 mapped to 0 .. d/2 - 1)."""
    if frequency:
        k = np.fft.fftfreq(d) * d
        r = np.sqrt(k[:, None, None] ** 2 + k[None, :, None] ** 2 + k[None, None, :] ** 2)
        shell = np.rint(r).astype(int) - 1
    else:
        c = (d - 1) / 2
        x = np.arange(d) - c
        r = np.sqrt(x[:, None, None] ** 2 + x[None, :, None] ** 2 + x[None, None, :] ** 2)
        shell = np.floor(r).astype(int)
    shell[(shell < 0) | (shell >= d // 2)] = -1
    return shell.ravel()


def shell_means(values, shell, shells):
    """(n, shells) means of values (n, voxels) over each shell."""
    keep = shell >= 0
    onehot = np.zeros((keep.sum(), shells))
    onehot[np.arange(keep.sum()), shell[keep]] = 1
    onehot /= onehot.sum(0, keepdims=True)
    return values[:, keep] @ onehot


def features(path, batch=256):
    with h5py.File(path, "r") as f:
        data = f["/subtomograms"]
        n, d = data.shape[0], data.shape[1]
        if data.shape[1:] != (d, d, d):
            sys.exit(f"baseline: {path}: /subtomograms is {data.shape}, expected (N, D, D, D)")
        real_shell, frequency_shell = shell_index(d, False), shell_index(d, True)
        out = np.empty((n, d))   # d/2 radial + d/2 spectral
        for lo in range(0, n, batch):
            x = data[lo:lo + batch].astype(np.float64)
            flat = x.reshape(len(x), -1)
            power = np.abs(np.fft.fftn(x, axes=(1, 2, 3))) ** 2
            out[lo:lo + len(x), :d // 2] = shell_means(flat, real_shell, d // 2)
            spectrum = shell_means(power.reshape(len(x), -1), frequency_shell, d // 2)
            out[lo:lo + len(x), d // 2:] = np.log(spectrum + 1e-12 * spectrum.max())
        snr = f.attrs.get("snr")
    return out, (float(snr) if snr is not None else None)


def bic_dimensions(n, features_count):
    """The largest d that K_MAX full-covariance components can fit at this N, capped."""
    d = 2
    while (d + 1 <= min(MAX_DIMENSIONS, features_count)
           and K_MAX * ((d + 1) + (d + 1) * (d + 2) // 2 + 1) - 1 <= n):
        d += 1
    return d


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--k", type=int, help="number of clusters (default: lowest BIC over 2 .. 20)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.time()

    x, snr = features(args.input)
    n = len(x)
    sd = x.std(0)
    x = (x - x.mean(0)) / np.where(sd > 0, sd, 1)
    dims = bic_dimensions(n, x.shape[1])
    z = PCA(n_components=dims, random_state=args.seed).fit_transform(x)

    def fit(k):
        return GaussianMixture(k, covariance_type="full", n_init=5, random_state=args.seed).fit(z)

    if args.k:
        model = fit(args.k)
        bics = None
    else:
        candidates = [fit(k) for k in range(2, K_MAX + 1)]
        bics = [m.bic(z) for m in candidates]
        model = candidates[int(np.argmin(bics))]
    labels = model.predict(z)
    k_found = len(np.unique(labels))
    seconds = time.time() - start

    with h5py.File(args.input, "r") as f:   # the truth, read only now, only to score
        truth = f["/labels_true"][:]
    h, c, v = homogeneity_completeness_v_measure(truth, labels)
    row = {"set": os.path.basename(args.input).removesuffix(".h5"), "N": n, "snr": snr, "pca_dimensions": dims,
           "k_mode": "given" if args.k else "bic", "K": k_found, "homogeneity": round(h, 4),
           "completeness": round(c, 4), "v_measure": round(v, 4), "seconds": round(seconds, 1)}
    if bics is not None:
        row["bic_by_k"] = {k: round(b, 1) for k, b in zip(range(2, K_MAX + 1), bics)}
    if args.json:
        print(json.dumps(row))
    else:
        print(f"{row['set']}: N {n}, SNR {snr}, PCA {dims}, K {k_found} ({row['k_mode']}), homogeneity {h:.4f}, "
              f"completeness {c:.4f}, V-measure {v:.4f}, {seconds:.1f} s")


if __name__ == "__main__":
    main()
