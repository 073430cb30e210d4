#!/usr/bin/env bash
# A stand-in for `disca` that follows the batch-facing contract of `disca train` and `disca predict`, so the Slurm
# scripts and the cluster harness can be checked without the real program (tools/tests/slurm_test.sh --fake).
#   DISCA=tools/slurm/fake-disca.sh sbatch slurm/disca-train.sbatch IN RUNDIR
# Contract mimicked (docs/interfaces.md; simulate, evaluate and report only write placeholders):
# - train --input IN --output RUNDIR [--config F] [--set k=v ...] [--resume] [--force]
# - exit 2: missing input, --resume without RUNDIR/checkpoint.h5, RUNDIR holding a run without --resume/--force
# - one "iteration" per step (FAKE_DISCA_STEPS steps, default 8, of FAKE_DISCA_STEP_SECONDS, default 1), a line in
#   RUNDIR/history.jsonl and a new RUNDIR/checkpoint.h5 (a plain text file here) after each
# - SIGUSR1, SIGTERM, SIGINT: finish the step, write the checkpoint, exit 75
# - at the end RUNDIR/result.txt, whose content depends only on the input name and the number of steps
# Under mpirun every rank runs; rank 0 alone writes (OMPI_COMM_WORLD_RANK / PMIX_RANK).
set -uo pipefail

usage() { echo "usage: fake-disca.sh train --input IN --output RUNDIR [--resume] [--force] | predict --model RUNDIR --input IN --output OUT"; }
rank="${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}"
say() { [ "$rank" = 0 ] && echo "fake-disca: $*"; return 0; }
fail() { [ "$rank" = 0 ] && echo "fake-disca: error: $1" >&2; exit "${2:-2}"; }

verb="${1:-}"; shift || true
case "$verb" in
  --help|-h|"") usage; exit 0 ;;
  train|predict) ;;
  simulate)  # simulate --output FILE [options]: a placeholder data set
    while [ $# -gt 0 ]; do [ "$1" = --output ] && { echo "fake subtomograms" > "$2"; say "simulate wrote $2"; exit 0; }; shift; done
    fail "simulate needs --output" ;;
  evaluate|report)  # evaluate --result R/result.h5 --truth T | report RUNDIR: print what a person would read
    say "$verb $*: $(cat "$(dirname "${2:-.}")/result.txt" "${1:-.}/result.txt" 2>/dev/null | head -n 1)"; exit 0 ;;
  *) fail "unknown verb '$verb'" ;;
esac
input="" output="" model="" resume=0 force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --input) input="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --config|--set) shift 2 ;;
    --resume) resume=1; shift ;;
    --force) force=1; shift ;;
    *) fail "unknown option '$1'" ;;
  esac
done
[ -n "$input" ] && [ -f "$input" ] || fail "input '$input' not found"
[ -n "$output" ] || fail "--output is required"

if [ "$verb" = predict ]; then
  [ -f "$model/result.txt" ] || fail "model '$model' holds no finished run"
  [ "$rank" = 0 ] && { echo "prediction of $(basename "$input") with $(cat "$model/result.txt")" > "$output"; }
  say "predict wrote $output"
  exit 0
fi

steps="${FAKE_DISCA_STEPS:-8}"
step_seconds="${FAKE_DISCA_STEP_SECONDS:-1}"
checkpoint="$output/checkpoint.h5"
if [ "$resume" = 1 ]; then
  [ -f "$checkpoint" ] || fail "--resume: no checkpoint in $output"
elif [ "$force" = 0 ] && { [ -f "$checkpoint" ] || [ -f "$output/result.txt" ]; }; then
  fail "$output holds a run: pass --resume to continue it or --force to replace it"
fi

start=0
if [ "$resume" = 1 ]; then
  start="$(sed -n 's/^step=//p' "$checkpoint")"
  say "resuming from $checkpoint at step $start"
elif [ "$rank" = 0 ]; then
  rm -rf "$output"; mkdir -p "$output"
fi
[ "$rank" = 0 ] && echo "start step=$start resume=$resume pid=$$ job=${SLURM_JOB_ID:-none}" >> "$output/starts.log"

stop=0
trap 'stop=1' USR1 TERM INT
write_checkpoint() {
  [ "$rank" = 0 ] || return 0
  printf 'step=%s\ninput=%s\n' "$1" "$(basename "$input")" > "$checkpoint.tmp" && mv -f "$checkpoint.tmp" "$checkpoint"
}
step="$start"
while [ "$step" -lt "$steps" ]; do
  # Sleep in the background so that a signal is handled at once, then finish the step as the real program would.
  sleep "$step_seconds" & wait $! || wait $! 2>/dev/null
  step=$((step + 1))
  [ "$rank" = 0 ] && echo "{\"iteration\": $((step - 1)), \"rank_count\": ${OMPI_COMM_WORLD_SIZE:-1}}" >> "$output/history.jsonl"
  write_checkpoint "$step"
  say "iteration $((step - 1)) done"
  if [ "$stop" = 1 ] && [ "$step" -lt "$steps" ]; then
    say "stopped on request after writing $checkpoint (step $step); continue with --resume"
    # The real program's ranks finish the collective checkpoint together; mpirun aborts the others when one exits.
    [ "$rank" = 0 ] || sleep 1
    exit 75
  fi
done
if [ "$rank" = 0 ]; then
  labels=""
  for i in $(seq 0 $((steps - 1))); do labels+="$(( ($(basename "$input" | cksum | cut -d' ' -f1) + i) % 5 )) "; done
  echo "labels: $labels" > "$output/result.txt"
fi
say "done"
exit 0
