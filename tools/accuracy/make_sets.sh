#!/usr/bin/env bash
# Simulates the accuracy evaluation's sets (tools/accuracy/README.md): voxel 15 A, box 24, CTF and missing wedge as
# `disca simulate` defaults.
#   tools/accuracy/make_sets.sh OUTDIR       (env DISCA=path/to/disca, STRUCTURES=folder of the ten maps)
# Makes, in OUTDIR (names SUBSET_snrS_nN.h5, N = classes x per class):
#   A, B, C   three five-complex subsets of the ten maps, each with its own seed (the same seed at every SNR of a
#             subset, so its SNR levels share poses, shifts and noise patterns and differ only in the noise scale):
#             SNR 0.1, 0.03, 0.01 at 400 per class (n2000), and SNR 0.1 at 100 per class (n500, seed + 1)
#   D1        near duplicates: 4v4r + 4v4r_no_small_subunit (made by make_variants.py into OUTDIR/maps) + three others
#   D2        near duplicates: 3gl1 + 1s3x + three others
#             Why 3gl1 + 1s3x and not 3gl1 + 3d2f: 3gl1 is two copies of an Hsp70 ATPase (nucleotide-binding)
#             domain and 1s3x is one such domain (40 vs 80 kDa, radius of gyration 25 vs 31 A), so 1s3x is to 3gl1
#             what the ribosome without its small subunit is to the ribosome. 3d2f is Sse1p (Hsp110) bound to an
#             Hsp70 domain, 205 kDa and elongated (radius of gyration 52 A): best normalised cross-correlation over
#             1500 random rotations and all shifts (10 A maps) is 0.88 for 3gl1/1s3x but 0.66 for 3gl1/3d2f
#             (3d2f is closer to 1u6g, 0.82). So 3gl1/3d2f would differ mostly by size, an easy pair.
#             The 40 kDa 1s3x appears only here, never in A, B, C.
# Idempotent: an existing file is kept (delete it to remake it). Prints each file it makes or keeps.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[[ $# -eq 1 ]] || { sed -n '2,4p' "$0" >&2; exit 2; }
out="$1"
disca="${DISCA:-$root/.build/release/disca}"
maps="${STRUCTURES:-$root/../shared/data/structures}"   # the shared folder beside the repository
[[ -x "$disca" ]] || { echo "make_sets: no disca binary at $disca (build it: swift build -c release)" >&2; exit 1; }
[[ -d "$maps" ]] || { echo "make_sets: no structures folder $maps" >&2; exit 1; }
mkdir -p "$out/maps"

variant="$out/maps/4v4r_no_small_subunit.mrc"
if [[ -f "$variant" ]]; then
  echo "make_sets: keep $variant"
else
  python3 "$here/make_variants.py" "$out/maps" --structures "$maps"
fi

# simulate_set NAME SEED PER_CLASS SNR MAP...   (MAP: a name in the structures folder, or a path)
simulate_set() {
  local name="$1" seed="$2" per_class="$3" snr="$4"; shift 4
  local files=() m
  for m in "$@"; do
    if [[ "$m" == */* ]]; then files+=("$m"); else files+=("$maps/$m.mrc"); fi
  done
  local target="$out/${name}_snr${snr}_n$((per_class * $#)).h5"
  if [[ -f "$target" ]]; then echo "make_sets: keep $target"; return; fi
  local start=$SECONDS
  # Write to a temporary name first so that an interrupted run leaves no file that looks finished.
  "$disca" simulate --structures "${files[@]}" --voxel-size 15 --box 24 --per-class "$per_class" --snr "$snr" \
    --seed "$seed" --output "$target.part" --force 2>&1 | { grep -v '%' || true; } | sed -e 's/^/  /' -e 's/\.part:/:/'
  mv "$target.part" "$target"
  echo "make_sets: made $target ($* ; seed $seed; $((SECONDS - start)) s)"
}

A=(4v4r 4cr2 1qvr_assembly1 1bxn_assembly1 3cf3_assembly1)
B=(1u6g 3d2f 2cg9 4cr2 1bxn_assembly1)
C=(4v4r 3cf3_assembly1 1u6g 2cg9 1qvr_assembly1)
D1=(4v4r "$variant" 1bxn_assembly1 3cf3_assembly1 2cg9)
D2=(3gl1 1s3x 4cr2 1qvr_assembly1 1u6g)

for snr in 0.1 0.03 0.01; do
  simulate_set A 101 400 "$snr" "${A[@]}"
  simulate_set B 202 400 "$snr" "${B[@]}"
  simulate_set C 303 400 "$snr" "${C[@]}"
done
simulate_set A 102 100 0.1 "${A[@]}"
simulate_set B 203 100 0.1 "${B[@]}"
simulate_set C 304 100 0.1 "${C[@]}"
simulate_set D1 404 400 0.1 "${D1[@]}"
simulate_set D2 505 400 0.1 "${D2[@]}"
