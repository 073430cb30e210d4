#!/usr/bin/env bash
# Examples of many jobs tied together with Slurm dependencies; run it on a login node, it only submits.
#
#   slurm/pipeline-example.sh chain WORKDIR [disca train options]
#       simulate -> train -> evaluate + report:
#       job 1 `disca simulate` writes WORKDIR/set.h5; job 2 (slurm/disca-train.sbatch, afterok:1) trains into
#       WORKDIR/run, checkpointing and requeueing itself as often as its time limit needs; job 3 (afterok:2) runs
#       `disca evaluate` against the known truth and `disca report`. A requeue of job 2 does not release job 3:
#       afterok waits for the run's real end.
#   slurm/pipeline-example.sh array LIST RUNROOT [disca train options]
#       one training per data set listed in LIST (one HDF5 path per line, # comments) as a job array, at most
#       $MAX_PARALLEL (default 4) at once, each into RUNROOT/<its path without .h5, / as _>; then one job (afterok on the
#       whole array) that writes a report of each run.
#
# e.g.  slurm/pipeline-example.sh chain runs/demo --config configs/demo.toml
#       ls /data/tomo*/particles.h5 > sets.txt && slurm/pipeline-example.sh array sets.txt runs/all --config paper.toml
# Environment: DISCA (default: `disca` on PATH, else ./.build/release/disca), resolved here, at submission;
#   SIMULATE_OPTIONS (chain; default "--per-class 100 --box 24 --snr 0.1 --seed 1");
#   SBATCH_OPTIONS, extra options for every sbatch of this script (e.g. "--partition=compute --account=myproject").
# Prints the job ids (`jobs: simulate=ID train=ID report=ID`, or `jobs: train=ID report=ID`); squeue shows them
# waiting with reason Dependency.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
mode="$1"; shift

disca="${DISCA:-}"
if [ -z "$disca" ]; then
  if command -v disca >/dev/null 2>&1; then disca="$(command -v disca)"
  elif [ -x .build/release/disca ]; then disca="$PWD/.build/release/disca"
  else echo "pipeline-example: no disca executable: set DISCA or put disca on PATH" >&2; exit 2
  fi
fi
export DISCA="$disca"
read -r -a site <<<"${SBATCH_OPTIONS:-}"
submit() { sbatch --parsable "${site[@]}" "$@"; }
quote() { printf '%q ' "$@"; }

case "$mode" in
  chain)
    work="$1"; shift
    mkdir -p "$work"
    read -r -a simulate_options <<<"${SIMULATE_OPTIONS:---per-class 100 --box 24 --snr 0.1 --seed 1}"
    sim=$(submit --job-name=disca-simulate --ntasks=1 --time=00:30:00 --output="$work/%x-%j.log" \
      --wrap "$(quote "$disca" simulate --output "$work/set.h5" "${simulate_options[@]}")")
    train=$(submit --job-name="disca-$(basename "$work")" --dependency="afterok:$sim" --output="$work/%x-%j.log" \
      "$here/disca-train.sbatch" "$work/set.h5" "$work/run" "$@")
    report=$(submit --job-name=disca-report --ntasks=1 --time=00:30:00 --dependency="afterok:$train" \
      --output="$work/%x-%j.log" \
      --wrap "$(quote "$disca" evaluate --result "$work/run/result.h5" --truth "$work/set.h5") && $(quote "$disca" report "$work/run")")
    echo "jobs: simulate=$sim train=$train report=$report"
    ;;
  array)
    list="$1" root="$2"; shift 2
    [ -f "$list" ] || { echo "pipeline-example: list '$list' not found" >&2; exit 2; }
    entries() { grep -vE '^[[:space:]]*(#|$)' "$list"; }   # as disca-train.sbatch reads an @LIST
    count=$(entries | wc -l)
    [ "$count" -gt 0 ] || { echo "pipeline-example: list '$list' is empty" >&2; exit 2; }
    mkdir -p "$root"
    # %A: the array's job id, %a: the task; each task requeues itself on its own (its own job id).
    train=$(submit --job-name="disca-$(basename "$root")" --array="0-$((count - 1))%${MAX_PARALLEL:-4}" \
      --output="$root/%x-%A_%a.log" "$here/disca-train.sbatch" "@$list" "$root" "$@")
    reports=""
    while IFS= read -r input; do
      stem="${input%.h5}"; stem="${stem%.hdf5}"; stem="${stem#./}"; stem="${stem#/}"; stem="${stem//\//_}"
      reports+="$(quote "$disca" report "$root/$stem"); "
    done < <(entries)
    report=$(submit --job-name=disca-report --ntasks=1 --time=00:30:00 --dependency="afterok:$train" \
      --output="$root/%x-%j.log" --wrap "$reports")
    echo "jobs: train=$train report=$report"
    ;;
  *) usage ;;
esac
