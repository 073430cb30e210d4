#!/usr/bin/env bash
# The batch scripts against a real Slurm: brings up a private one-node cluster (munged, slurmctld, slurmd) under a
# temporary folder, simulates a tiny data set, and submits the real slurm/disca-train.sbatch twice:
#   A  uninterrupted;
#   B  stopped mid-run with `scancel --signal=USR1 --batch` (what Slurm's --signal=B:USR1@T does before a time limit):
#      it must write a checkpoint, exit 75, requeue itself, restart with --resume and finish;
# then checks the outputs, the requeue (Restarts=1, the log of both starts, the checkpoint it resumed from), that B's
# labels equal A's, and slurm/disca-predict.sbatch on A's model.
#   tools/tests/slurm_test.sh           real disca ($DISCA_BIN, else .build/release/disca); skips while
#                                       `disca train`/`simulate` are not built, or where Slurm cannot run
#   tools/tests/slurm_test.sh --fake    the same checks on tools/slurm/fake-disca.sh (a self-test of the harness)
#   tools/tests/slurm_test.sh --keep    keep the temporary folder (logs, run directories) and say where it is
# Prints one line per check and a last line `N passed, N failed[, N skipped]`; exit 0 unless a check failed.
# Every wait is bounded (the whole test gives up after SLURM_TEST_DEADLINE_S, default 280 s); the daemons are
# always stopped (trap).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
repo="$PWD"

fake=0 keep=0
for arg in "$@"; do
  case "$arg" in
    --fake) fake=1 ;;
    --keep) keep=1 ;;
    *) echo "slurm_test: unknown option '$arg' (expected --fake, --keep)" >&2; exit 2 ;;
  esac
done

passed=0 failed=0
started=$SECONDS
deadline=$(( SECONDS + ${SLURM_TEST_DEADLINE_S:-280} ))
summary() { echo "$passed passed, $failed failed${1:+, $1 skipped}"; }
skip() { echo "SKIP slurm_test: $*"; summary 1; exit 0; }
check() {  # check NAME COMMAND...: runs the command, counts and prints the outcome
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"
  fi
}
note() { echo "     $*"; }

# ---- The program --------------------------------------------------------------------------------------------------
if [ "$fake" = 1 ]; then
  disca="$repo/tools/slurm/fake-disca.sh"
  export FAKE_DISCA_STEPS=8 FAKE_DISCA_STEP_SECONDS=1
else
  disca="${DISCA_BIN:-$repo/.build/release/disca}"
  [ -x "$disca" ] || skip "no disca executable at $disca (build it: swift build -c release --product disca)"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1

tmp="$(mktemp -d "${TMPDIR:-/tmp}/disca-slurm-test.XXXXXX")"
chmod 711 "$tmp"   # munged wants every folder above its socket searchable by all
cluster="$tmp/cluster"
work="$tmp/work"
mkdir -p "$work"
cleanup() {
  "$repo/tools/slurm/stop-cluster.sh" "$cluster" >/dev/null 2>&1
  if [ "$keep" = 1 ]; then echo "slurm_test: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "slurm_test: interrupted"; exit 130' INT TERM

# Is `disca train` there at all?
if [ "$fake" = 0 ]; then
  timeout 60 "$disca" train --help >/dev/null 2>&1 || skip "'$disca train --help' failed"
fi

# ---- Slurm --------------------------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  tools/install-deps.sh --slurm >"$tmp/install.log" 2>&1 || skip "Slurm/munge missing and not installable: $(tail -n 1 "$tmp/install.log")"
fi
# Four advertised CPUs on this small machine so that A and B (2 ranks each) run side by side.
cluster_env="$(timeout 60 tools/slurm/start-cluster.sh "$cluster" 4 2>"$tmp/start.err")"
status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 77 ] || [ "$status" -eq 124 ] || { echo "FAIL start-cluster.sh exited $status: $(cat "$tmp/start.err")"; failed=1; summary; exit 1; }
  skip "$(cat "$tmp/start.err")"
fi
eval "$cluster_env"   # export SLURM_CONF=...
note "cluster up in $((SECONDS - started)) s: $(timeout 15 sinfo -h -o '%P %D %t %c CPUs')"

# ---- Data set -----------------------------------------------------------------------------------------------------
# A tiny set and a small network: a few iterations, each long enough that the signal lands in the middle of the run.
set_file="$work/tiny.h5"
if [ "$fake" = 1 ]; then
  echo "fake subtomograms" > "$set_file"
  train_options=()
else
  timeout 120 "$disca" simulate --output "$set_file" --per-class 20 --box 16 --snr 0.5 --seed 7 >"$tmp/simulate.log" 2>&1
  status=$?
  [ "$status" -eq 0 ] || { echo "FAIL disca simulate exited $status: $(tail -n 3 "$tmp/simulate.log")"; failed=1; summary; exit 1; }
  # checkpoint.minutes=0.02: a timed checkpoint every second or so inside an iteration, so that the stop can be sent
  # in the middle of an epoch (the hardest place to resume exactly); it does not change what is computed.
  # A network small enough for 16^3 boxes (independent of configs/demo.toml, which needs D >= 17).
  # 150 steps per iteration (the default) and 6 iterations keep each run busy for long enough (tens of seconds) that
  # the stop lands inside iteration 1 even on an idle machine.
  train_options=(--config "$repo/configs/demo.toml" --set network.blocks=4 --set network.feature_size=32
    --set training.min_steps_per_iteration=150
    --set loop.max_iterations=6 --set loop.min_iterations=6
    --set mixture.candidates=2-8 --set checkpoint.minutes=0.02
    --set refine.rounds=2 --set refine.rotations=60)
fi

# ---- Jobs ---------------------------------------------------------------------------------------------------------
job_field() { timeout 15 scontrol show job "$1" -o 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
wait_until() {  # wait_until DESCRIPTION COMMAND...: polls every 0.5 s until the command succeeds or the deadline
  local what="$1"; shift
  while ! "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then note "gave up waiting for $what"; return 1; fi
    sleep 0.5
  done
}
job_done() { case "$(job_field "$1" JobState)" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|"") return 0 ;; *) return 1 ;; esac; }
# --time=15 with the script's --signal=B:USR1@600: Slurm's own warning comes only after 5 minutes, well after these
# runs end, so the only stop is the test's own signal to B.
submit() {  # submit NAME RUNDIR: the real batch script, 2 ranks, from the work folder
  (cd "$work" && timeout 30 sbatch --parsable --job-name="$1" --ntasks-per-node=2 --cpus-per-task=1 --time=15 \
    --export=ALL,DISCA="$disca" "$repo/slurm/disca-train.sbatch" "$set_file" "$2" "${train_options[@]}")
}

job_a="$(submit uninterrupted runA)" || { echo "FAIL sbatch A"; failed=1; summary; exit 1; }
job_b="$(submit preempted runB)" || { echo "FAIL sbatch B"; failed=1; summary; exit 1; }
log_a="$work/uninterrupted-$job_a.log"
log_b="$work/preempted-$job_b.log"
note "submitted A=$job_a (uninterrupted), B=$job_b (to be stopped)"

# Stop B in the middle of the run: the real program once it has written a timed checkpoint inside iteration 1's
# training epoch (so it stops mid-epoch), the fake once it has written its first checkpoint.
ready_to_stop() {
  job_done "$job_b" && return 0
  if [ "$fake" = 1 ]; then test -f "$work/runB/checkpoint.h5"
  else grep -aq "checkpoint written (iteration 1, step" "$log_b" 2>/dev/null
  fi
}
wait_until "B to reach the middle of its run" ready_to_stop
first_state="$(job_field "$job_b" JobState)"
timeout 15 scancel --signal=USR1 --batch "$job_b"
note "B: $((SECONDS - started)) s in, state $first_state: sent SIGUSR1 to its batch script"
wait_until "B's requeue" bash -c "grep -q 'requeueing job' '$log_b' 2>/dev/null"
wait_until "B's restart" bash -c "grep -q 'start 2 on' '$log_b' 2>/dev/null"
wait_until "A to finish" job_done "$job_a"
wait_until "B to finish" job_done "$job_b"

# ---- Checks -------------------------------------------------------------------------------------------------------
in_log() { grep -qE "$2" "$1" 2>/dev/null; }
h5_labels() { h5dump -d /labels -y -w 0 "$1" 2>/dev/null | sed -n '/DATA {/,/}/p' | tr -d ' \n'; }
labels() {  # the labels of a finished run, on one line
  if [ -f "$1/result.h5" ]; then h5_labels "$1/result.h5"; else sed -n 's/^labels: //p' "$1/result.txt" 2>/dev/null; fi
}
result_of() { if [ "$fake" = 1 ]; then echo "$1/result.txt"; else echo "$1/result.h5"; fi; }
iterations() { sed -n 's/.*"iteration": *\([0-9]*\).*/\1/p' "$1/history.jsonl" 2>/dev/null | tr '\n' ' '; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }

check "A completed with exit 0 ($(job_field "$job_a" JobState) $(job_field "$job_a" ExitCode))" \
  test "$(job_field "$job_a" JobState) $(job_field "$job_a" ExitCode)" = "COMPLETED 0:0"
check "A wrote $(result_of runA), history.jsonl and labels" \
  bash -c "test -s '$work/$(result_of runA)' && test -s '$work/runA/history.jsonl' && test -n \"\$0\"" "$(labels "$work/runA")"
check "A ran once, without --resume" bash -c "! grep -q 'start 2 on' '$log_a' && ! grep -q -- '--resume' '$log_a'"
check "A's log names ranks, threads and the command" in_log "$log_a" "2 ranks x 1 cpus, OPENBLAS_NUM_THREADS=1"
check "B was running when signalled ($first_state)" test "$first_state" = RUNNING
check "B's disca stopped with status 75 after writing a checkpoint" \
  bash -c "grep -q 'disca exited with status 75' '$log_b' && grep -q 'stopped after writing a checkpoint (SIGUSR1); .*checkpoint.h5: [0-9]* bytes' '$log_b'"
check "B requeued itself (Restarts=$(job_field "$job_b" Restarts))" test "$(job_field "$job_b" Restarts)" = 1
stop_md5="$(sed -n 's/.*stopped after writing a checkpoint.*md5 \([0-9a-f]*\).*/\1/p' "$log_b" | head -n 1)"
resume_md5="$(grep 'checkpoint before:' "$log_b" | sed -n '2s/.*md5 \([0-9a-f]*\).*/\1/p')"
check "B's second start found the checkpoint of the stop (md5 $stop_md5)" same "$stop_md5" "$resume_md5"
check "B's second start passed --resume" bash -c "grep 'sbatch: run: ' '$log_b' | sed -n 2p | grep -q -- ' --resume'"
check "B completed with exit 0 ($(job_field "$job_b" JobState) $(job_field "$job_b" ExitCode))" \
  test "$(job_field "$job_b" JobState) $(job_field "$job_b" ExitCode)" = "COMPLETED 0:0"
check "B's history has each iteration once, as A's ($(iterations "$work/runB"))" \
  same "$(iterations "$work/runB")" "$(iterations "$work/runA")"
check "B's labels equal A's" same "$(labels "$work/runB")" "$(labels "$work/runA")"
if [ "$fake" = 0 ]; then
  # Exact resumption: the rest of result.h5 and every iteration's numbers (but its timings) are the same too.
  # md5 of a dataset's values; nothing (so `same` fails) when the file or dataset cannot be read.
  h5_data() { local d; d=$(h5dump -d "$2" -y -w 0 "$1" 2>/dev/null) || return 0; [ -n "$d" ] || return 0
              sed -n '/DATA {/,$p' <<<"$d" | md5sum | cut -c1-32; }
  for dataset in /features /features_pca /posterior; do
    check "B's $dataset equals A's" same "$(h5_data "$work/runB/result.h5" "$dataset")" "$(h5_data "$work/runA/result.h5" "$dataset")"
  done
  untimed() { sed -E 's/"(seconds|subtomograms_per_second)": *[^,}]*,?//g' "$1/history.jsonl" 2>/dev/null; }
  check "B's history.jsonl equals A's but for timings" same "$(untimed "$work/runB")" "$(untimed "$work/runA")"
fi

# Prediction with A's model, as a batch job.
job_p="$(cd "$work" && timeout 30 sbatch --parsable --job-name=predict --ntasks-per-node=2 --time=5 \
  --export=ALL,DISCA="$disca" "$repo/slurm/disca-predict.sbatch" runA "$set_file" predicted.h5)"
wait_until "the prediction" job_done "$job_p"
check "disca-predict.sbatch completed ($(job_field "$job_p" JobState) $(job_field "$job_p" ExitCode))" \
  test "$(job_field "$job_p" JobState) $(job_field "$job_p" ExitCode)" = "COMPLETED 0:0"
if [ "$fake" = 0 ]; then
  count() { tr ',' '\n' <<<"$1" | grep -c '[0-9]'; }
  check "predicted.h5 has one label per subtomogram, as A's result" \
    same "$(count "$(h5_labels "$work/predicted.h5")")" "$(count "$(labels "$work/runA")")"
fi

echo "---- transcript of the stopped-and-requeued job B=$job_b (log $log_b, sbatch lines) ----"
grep -aE "disca-train.sbatch:|resum|checkpoint|Forwarding" "$log_b" | tr -d '\r' | sed 's/\x1b\[K//g; s/^/     /'
note "B: $(timeout 15 scontrol show job "$job_b" -o | tr ' ' '\n' | grep -E '^(JobState|Restarts|ExitCode|SubmitTime|StartTime|EndTime)=' | tr '\n' ' ')"
note "labels A: $(labels "$work/runA" | cut -c1-120)"
note "labels B: $(labels "$work/runB" | cut -c1-120)"
note "took $((SECONDS - started)) s"
if [ "$failed" -gt 0 ]; then
  for f in "$log_a" "$log_b"; do echo "---- $f"; tail -n 30 "$f" 2>/dev/null; done
  echo "---- slurmctld.log"; tail -n 20 "$cluster/log/slurmctld.log" 2>/dev/null
fi
summary
[ "$failed" -eq 0 ]
