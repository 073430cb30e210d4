#!/usr/bin/env bash
# The tomogram path end to end on simulated tomograms of five real complexes, scored against the truth:
# simulate-tomogram (3 tomograms) -> pick -> extract -> train (configs/demo.toml) -> export -> average -> embed,
# then evaluate-picks (recall, precision, class purity, class maps against the true structures).
#   tools/tomogram/e2e.sh WORKDIR [SEED] [SNR]     (structures from ../shared/data/structures; about 25 min here)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:?usage: tools/tomogram/e2e.sh WORKDIR [SEED] [SNR]}"; seed="${2:-20}"; snr="${3:-0.1}"
structures="${DISCA_STRUCTURES:-$repo/../shared/data/structures}"
disca="${DISCA:-$repo/.build/release/disca}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
maps=(4v4r 4cr2 1qvr_assembly1 1bxn_assembly1 3cf3_assembly1)
files=(); for m in "${maps[@]}"; do files+=("$structures/$m.mrc"); done
mkdir -p "$work"; cd "$work"
tomos=()
for i in 1 2 3; do
  "$disca" simulate-tomogram --structures "${files[@]}" --output tomo$i.mrc --truth truth$i.star --size 256,256,96 \
    --per-class 30 --snr "$snr" --seed $((seed + i)) --threads 2 --force
  tomos+=(tomo$i.mrc)
done
# One truth table for the three tomograms (header of the first, rows of all).
{ sed -n '1,/^_discaStructureName/p' truth1.star; for i in 1 2 3; do sed '1,/^_discaStructureName/d' truth$i.star | grep -v '^$'; done; } > truth.star
mpirun -np 2 "$disca" pick --tomograms "${tomos[@]}" --particle-diameter-angstrom 200 --output picks.star --force
mpirun -np 2 "$disca" extract --tomograms "${tomos[@]}" --coordinates picks.star --box 24 --output particles.h5 --force
mpirun -np 2 "$disca" train --config "$repo/configs/demo.toml" --input particles.h5 --output run --force > train.log
grep -E "^(iteration [0-9]+:|refinement:|done)" train.log
mpirun -np 2 "$disca" export --result run --input particles.h5 --output-dir classes --force
mpirun -np 2 "$disca" average --result run --input particles.h5 --output-dir maps --force
"$disca" embed --result run --input particles.h5 --tomogram tomo1.mrc --output labels1.mrc --png embed1.png --force
"$disca" evaluate-picks --truth truth.star --picks picks.star --tomograms "${tomos[@]}" --particle-diameter-angstrom 200 \
  --input particles.h5 --result run/result.h5 --class-maps maps --structures "${files[@]}" --rotations 500
