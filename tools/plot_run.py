#!/usr/bin/env python3
"""Pictures of a disca run: t-SNE maps of the sampled features per iteration, run curves, cluster sizes, and an
HTML report (RUNDIR/report.html, PNGs embedded; the PNGs also in RUNDIR/plots/).

    python3 tools/plot_run.py RUNDIR [--truth SET.h5] [--all-iterations] [--perplexity 30] [--seed 0]
                              [--tsne-steps 1000]

Needs numpy, h5py, matplotlib and scikit-learn:  python3 -m pip install -r tools/plot_requirements.txt

Reads (the run directory format of `disca train`):
  RUNDIR/history.jsonl  one JSON object per iteration (iteration, K, bic, ddbi, changed_fraction, loss, seconds,
                        cluster_sizes, best_iteration, converged)
  RUNDIR/samples.h5     /rows (S) global row indices; /iteration_%04d/{features_pca (S, P), labels (S)}
  SET.h5 (--truth)      /labels_true (N), indexed by samples.h5 /rows
By default t-SNE maps are drawn for at most 6 iterations (the first, the chosen one, the last and evenly spaced
others); --all-iterations draws every iteration. Exit status 2 for a missing or invalid run directory.
"""
import argparse
import base64
import html
import io
import json
import math
import os
import sys

# Same colours as `disca report` (ScatterPlot.palette): matplotlib's tab10, then tab20's light shades.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5"]


class BadInput(Exception):
    pass


def colour(k):
    if 0 <= k < len(PALETTE):
        return PALETTE[k]
    import colorsys
    r, g, b = colorsys.hsv_to_rgb((k * 0.61803398875) % 1.0, 0.75, 0.85)
    return "#%02x%02x%02x" % (int(r * 255), int(g * 255), int(b * 255))


def read_history(rundir):
    path = os.path.join(rundir, "history.jsonl")
    if not os.path.isdir(rundir):
        raise BadInput(f"{rundir}: no such run directory")
    if not os.path.exists(path):
        raise BadInput(f"{rundir}: not a disca run directory (no history.jsonl)")
    records = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                records[int(r["iteration"])] = r   # a resumed run may repeat an iteration: the last line wins
                int(r["K"])
            except (ValueError, KeyError, TypeError) as e:
                raise BadInput(f"{path} line {number}: not an iteration record ({e})")
    if not records:
        raise BadInput(f"{path}: no iterations recorded yet")
    return [records[i] for i in sorted(records)]


def value(r, key):
    v = r.get(key)
    return float("nan") if v is None else float(v)


def chosen_iteration(history):
    finite = [r for r in history if r.get("ddbi") is not None and math.isfinite(r["ddbi"])]
    if not finite:
        return history[-1]["iteration"]
    return min(finite, key=lambda r: (r["ddbi"], r["iteration"]))["iteration"]


def pick_iterations(available, chosen, everything, at_most=6):
    if everything or len(available) <= at_most:
        return list(available)
    keep = {available[0], available[-1]}
    if chosen in available:
        keep.add(chosen)
    step = (len(available) - 1) / (at_most - 1)
    for j in range(at_most):
        if len(keep) >= at_most:
            break
        keep.add(available[round(j * step)])
    return sorted(keep)


def png_bytes(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def plot_curves(plt, history, chosen):
    from matplotlib.ticker import MaxNLocator
    it = [r["iteration"] for r in history]
    series = [("K", "K"), ("bic", "BIC"), ("ddbi", "DDBI (lower is better)"),
              ("changed_fraction", "changed fraction"), ("loss", "loss")]
    fig, axes = plt.subplots(1, len(series), figsize=(3.2 * len(series), 3.0))
    for ax, (key, title) in zip(axes, series):
        ys = [value(r, key) for r in history]
        ax.plot(it, ys, "o-", color="#1f77b4", markersize=3)
        if chosen in it:
            ax.axvline(chosen, color="#d62728", linestyle=":", linewidth=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("iteration", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if key == "K":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def plot_sizes(plt, history, chosen):
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(history) + 1.2))
    for row, r in enumerate(history):
        left = 0
        for k, size in enumerate(r.get("cluster_sizes") or []):
            ax.barh(row, size, left=left, color=colour(k), edgecolor="white", linewidth=0.5)
            left += size
    ax.set_yticks(range(len(history)))
    ax.set_yticklabels([f"{r['iteration']}{' *' if r['iteration'] == chosen else ''}" for r in history], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("subtomograms per cluster (colour = cluster, * = chosen iteration)", fontsize=9)
    ax.set_ylabel("iteration", fontsize=9)
    fig.tight_layout()
    return fig


def tsne(features, perplexity, seed, steps):
    from sklearn.manifold import TSNE
    n = features.shape[0]
    if n < 4:
        return features[:, :2] if features.shape[1] >= 2 else None
    p = min(perplexity, (n - 1) / 3.0)
    import inspect
    # scikit-learn renamed n_iter to max_iter in 1.5.
    steps_key = "max_iter" if "max_iter" in inspect.signature(TSNE).parameters else "n_iter"
    model = TSNE(n_components=2, perplexity=p, init="pca", random_state=seed, **{steps_key: steps})
    return model.fit_transform(features.astype("float64"))


def plot_map(plt, xy, labels, truth, title):
    panels = [("cluster", labels)] + ([("true class", truth)] if truth is not None else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.4), squeeze=False)
    for ax, (what, lab) in zip(axes[0], panels):
        order = sorted(set(int(v) for v in lab))
        for k in order:
            m = lab == k
            ax.scatter(xy[m, 0], xy[m, 1], s=6, color=colour(k), label=str(k), linewidths=0)
        ax.set_title(f"{title}, by {what}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        if len(order) <= 20:
            ax.legend(fontsize=7, markerscale=2, loc="best", ncol=2 if len(order) > 10 else 1, title=what,
                      title_fontsize=7)
    fig.tight_layout()
    return fig


def read_truth(path, rows):
    import h5py
    import numpy as np
    if not os.path.exists(path):
        raise BadInput(f"{path}: no such file")
    with h5py.File(path, "r") as f:
        if "labels_true" not in f:
            raise BadInput(f"{path}: no dataset /labels_true")
        truth = np.asarray(f["labels_true"][...]).astype(int)
    if rows.size and (rows.min() < 0 or rows.max() >= truth.shape[0]):
        raise BadInput(f"{path}: /labels_true has {truth.shape[0]} rows but samples.h5 /rows reaches {rows.max()}")
    return truth[rows]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rundir")
    ap.add_argument("--truth", help="simulated set with /labels_true (colours a second panel by true class)")
    ap.add_argument("--all-iterations", action="store_true", help="a t-SNE map for every iteration")
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tsne-steps", type=int, default=1000, help="t-SNE optimisation steps (at least 250)")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except BadInput as e:
        print(f"plot_run.py: error: {e}", file=sys.stderr)
        return 2


def run(args):
    history = read_history(args.rundir)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import h5py
    import numpy as np

    chosen = history[-1].get("best_iteration", chosen_iteration(history))
    if chosen is None:
        chosen = chosen_iteration(history)
    plots = os.path.join(args.rundir, "plots")
    os.makedirs(plots, exist_ok=True)
    figures = []   # (title, file name, png bytes)

    def keep(title, name, fig):
        data = png_bytes(fig)
        plt.close(fig)
        with open(os.path.join(plots, name), "wb") as f:
            f.write(data)
        figures.append((title, name, data))

    keep("Run curves (dotted line: chosen iteration)", "curves.png", plot_curves(plt, history, chosen))
    keep("Cluster sizes per iteration", "cluster_sizes.png", plot_sizes(plt, history, chosen))

    notes = []
    samples = os.path.join(args.rundir, "samples.h5")
    if not os.path.exists(samples):
        notes.append("No samples.h5 in the run directory: no t-SNE maps.")
    else:
        with h5py.File(samples, "r") as f:
            rows = np.asarray(f["rows"][...]).astype(np.int64) if "rows" in f else np.arange(0)
            groups = sorted(int(g[len("iteration_"):]) for g in f if g.startswith("iteration_"))
            truth = read_truth(args.truth, rows) if args.truth else None
            for i in pick_iterations(groups, chosen, args.all_iterations):
                g = f["iteration_%04d" % i]
                feats = np.asarray(g["features_pca"][...])
                labels = np.asarray(g["labels"][...]).astype(int)
                if truth is not None and truth.shape[0] != labels.shape[0]:
                    raise BadInput(f"{samples}: /rows has {truth.shape[0]} entries but iteration {i} has "
                                   f"{labels.shape[0]} labels")
                xy = tsne(feats, args.perplexity, args.seed, max(250, args.tsne_steps))
                if xy is None:
                    notes.append(f"iteration {i}: too few points for a map")
                    continue
                star = " (chosen)" if i == chosen else ""
                keep(f"t-SNE of the sampled features, iteration {i}{star}", "tsne_iteration_%04d.png" % i,
                     plot_map(plt, xy, labels, truth, f"iteration {i}{star}"))

    report = os.path.join(args.rundir, "report.html")
    with open(report, "w") as f:
        f.write(render_html(args.rundir, history, chosen, figures, notes))
    for _, name, _ in figures:
        print(os.path.join(plots, name))
    print(report)
    return 0


def render_html(rundir, history, chosen, figures, notes):
    def cell(r, key, fmt):
        v = r.get(key)
        return "-" if v is None else fmt % v
    last = history[-1]
    status = f"converged at iteration {last['iteration']}" if last.get("converged") else \
        f"not converged after {len(history)} iterations"
    rows = "\n".join(
        f"<tr{' class=chosen' if r['iteration'] == chosen else ''}><td>{r['iteration']}</td><td>{r['K']}</td>"
        f"<td>{cell(r, 'bic', '%.2f')}</td><td>{cell(r, 'ddbi', '%.4f')}</td>"
        f"<td>{cell(r, 'changed_fraction', '%.4f')}</td><td>{cell(r, 'loss', '%.4f')}</td>"
        f"<td>{cell(r, 'seconds', '%.1f')}</td></tr>" for r in history)
    images = "\n".join(
        f"<h2>{html.escape(title)}</h2>\n<img alt=\"{html.escape(name)}\" "
        f"src=\"data:image/png;base64,{base64.b64encode(data).decode('ascii')}\">" for title, name, data in figures)
    note_html = "".join(f"<p class=note>{html.escape(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>disca run {html.escape(os.path.basename(os.path.abspath(rundir)))}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:90em}} table{{border-collapse:collapse}}
td,th{{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}} tr.chosen{{background:#fde8e8;font-weight:bold}}
img{{max-width:100%}} .note{{color:#a33}}</style></head>
<body>
<h1>disca run: {html.escape(os.path.abspath(rundir))}</h1>
<p>{len(history)} iterations, {status}. Chosen iteration: <b>{chosen}</b> (lowest DDBI; highlighted).</p>
<table><tr><th>iteration</th><th>K</th><th>BIC</th><th>DDBI</th><th>changed</th><th>loss</th><th>seconds</th></tr>
{rows}
</table>
{note_html}
{images}
</body></html>
"""


if __name__ == "__main__":
    sys.exit(main())
