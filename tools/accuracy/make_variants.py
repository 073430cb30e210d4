#!/usr/bin/env python3
"""Writes near-duplicate density maps for the accuracy evaluation (tools/accuracy/README.md).

    python3 tools/accuracy/make_variants.py OUTDIR [--structures DIR] [--no-recentre]

Writes OUTDIR/4v4r_no_small_subunit.mrc: the 70S ribosome (STRUCTURES/4v4r.mrc) with its small (30S) subunit masked
away. The map is split into two lobes: a density-weighted 2-means on the coordinates of the voxels above 10 % of the
maximum gives the axis through the two subunits; the cut is then the plane, with its normal within 35 degrees of that
axis, that crosses the least density (the intersubunit gap) while leaving at least 20 % of the mass on each side
(2-means alone puts its boundary at the centroids' bisector, which cuts into the large subunit). The lobe with the
smaller mass is zeroed with a soft (raised-cosine, 2 voxel) edge. By default the result is shifted (cubic spline,
negatives clipped) so that its centre of mass is at the box centre again, as for every map in the structures folder
(`disca simulate` uses a map as stored); --no-recentre keeps the large subunit where it was.
Same grid, voxel size, origin and axis order as the input. Never writes into the structures folder.

Prints the mass fraction removed (expected about 1/3: the 30S subunit is about 0.85 of 2.5 MDa).
"""
import argparse
import os
import sys

import mrcfile
import numpy as np
from scipy import ndimage

# The shared folder beside the repository (../shared/data/structures from the repository root).
DEFAULT_STRUCTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "structures"))


def two_means(x, w, seed=0, starts=10):
    """Density-weighted 2-means of the points x (M, 3): (centroids (2, 3), assignment (M,))."""
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(starts):
        c = x[rng.choice(len(x), 2, replace=False, p=w / w.sum())]
        for _ in range(200):
            a = ((x[:, None, :] - c[None]) ** 2).sum(2).argmin(1)
            if np.bincount(a, minlength=2).min() == 0:
                break
            nc = np.stack([(x[a == k] * w[a == k, None]).sum(0) / w[a == k].sum() for k in range(2)])
            if np.allclose(nc, c):
                break
            c = nc
        inertia = sum(((x[a == k] - c[k]) ** 2).sum(1) @ w[a == k] for k in range(2))
        if best is None or inertia < best[0]:
            best = (inertia, c, a)
    return best[1], best[2]


def directions_near(axis, max_degrees, steps=15, turns=24):
    """Unit vectors within max_degrees of axis (a polar grid about it), axis first."""
    axis = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(axis, helper); u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    out = [axis]
    for theta in np.radians(np.linspace(0, max_degrees, steps + 1)[1:]):
        for phi in np.linspace(0, 2 * np.pi, turns, endpoint=False):
            out.append(np.cos(theta) * axis + np.sin(theta) * (np.cos(phi) * u + np.sin(phi) * v))
    return np.array(out)


def split_plane(density, threshold=0.1, min_side=0.2, max_tilt=35.0):
    """(normal, offset, 2-means mass fraction of the smaller lobe): the plane n . r = offset crossing the least
    density, normal within max_tilt of the 2-means axis, at least min_side of the mass on each side."""
    grid = np.indices(density.shape).reshape(3, -1).T.astype(np.float64)
    w = density.ravel().astype(np.float64)
    keep = w > threshold * w.max()
    centroids, assignment = two_means(grid[keep], w[keep])
    masses = np.array([w[keep][assignment == k].sum() for k in range(2)])
    axis = centroids[1] - centroids[0]
    total = w.sum()
    best = None
    for n in directions_near(axis, max_tilt):
        s = grid @ n
        lo, hi = np.floor(s.min()), np.ceil(s.max())
        edges = np.arange(lo, hi + 1.0, 0.5)
        profile, _ = np.histogram(s, bins=edges, weights=w)   # mass per half-voxel slab
        cumulative = np.cumsum(profile) / total
        slab = np.convolve(profile, np.ones(2), mode="same")   # mass in a one-voxel slab
        for i in range(len(profile)):
            if cumulative[i] < min_side or cumulative[i] > 1 - min_side:
                continue
            if best is None or slab[i] < best[0]:
                best = (slab[i], n, edges[i + 1])
    return best[1], best[2], masses.min() / masses.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--structures", default=DEFAULT_STRUCTURES)
    parser.add_argument("--no-recentre", action="store_true")
    parser.add_argument("--edge", type=float, default=2.0, help="soft edge width in voxels")
    args = parser.parse_args()
    source = os.path.join(args.structures, "4v4r.mrc")
    target = os.path.join(args.outdir, "4v4r_no_small_subunit.mrc")
    if os.path.realpath(args.outdir).startswith(os.path.realpath(args.structures)):
        sys.exit("make_variants: refusing to write into the structures folder")
    os.makedirs(args.outdir, exist_ok=True)

    with mrcfile.open(source, permissive=True) as m:
        density = m.data.astype(np.float64)
        voxel_size = m.voxel_size.copy()
        header = m.header.copy()
    normal, offset, kmeans_fraction = split_plane(density)
    grid = np.indices(density.shape).reshape(3, -1).T.astype(np.float64)
    signed = (grid @ normal - offset).reshape(density.shape)   # > 0: the side of the second 2-means centroid
    total = density.sum()
    side_mass = density[signed > 0].sum()
    sign = 1.0 if side_mass < total - side_mass else -1.0     # the small lobe is where sign * signed > 0
    t = np.clip(sign * signed / args.edge + 0.5, 0, 1)         # 0 .. 1 across the edge, centred on the plane
    keep = 0.5 * (1 + np.cos(np.pi * t))                       # 1 on the large side, 0 on the small side
    out = density * keep
    removed = 1 - out.sum() / total
    print(f"make_variants: plane normal (z, y, x) {np.round(normal, 3).tolist()}, offset {offset:.1f} voxels; "
          f"2-means alone: smaller lobe {kmeans_fraction:.3f} of the mass above 10 % of the maximum")
    print(f"make_variants: mass fraction removed {removed:.3f} (expected about 1/3)")

    com = np.array(ndimage.center_of_mass(out))
    centre = (np.array(out.shape) - 1) / 2
    if not args.no_recentre:
        out = np.clip(ndimage.shift(out, centre - com, order=3, mode="constant", cval=0.0), 0, None)
        print(f"make_variants: recentred: centre of mass moved by {np.round(centre - com, 2).tolist()} voxels (z, y, x)")
    else:
        print(f"make_variants: not recentred: centre of mass {np.round(com, 2).tolist()}, box centre {centre.tolist()}")

    with mrcfile.new(target, overwrite=True) as m:
        m.set_data(out.astype(np.float32))
        m.voxel_size = voxel_size
        for field in ("origin", "nxstart", "nystart", "nzstart", "mapc", "mapr", "maps", "ispg"):
            m.header[field] = header[field]
        m.update_header_stats()
        m.add_label(f"4v4r without its small subunit (tools/accuracy/make_variants.py, removed {removed:.3f})")
    print(f"make_variants: wrote {target} ({out.sum():.0f} of {total:.0f} mass units, "
          f"voxel size {float(voxel_size.x):g} A)")


if __name__ == "__main__":
    main()
