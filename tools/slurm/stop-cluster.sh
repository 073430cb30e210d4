#!/usr/bin/env bash
# Stops the private cluster that tools/slurm/start-cluster.sh DIR brought up: cancels its jobs, then ends slurmd,
# slurmctld and munged by the PIDs recorded under DIR/run (TERM, then KILL after a few seconds), and finally any
# process still carrying that cluster's SLURM_CONF in its environment (job processes slurmd left behind).
# Safe to call twice, or when start-cluster.sh stopped half-way. Never touches processes of other clusters.
#   tools/slurm/stop-cluster.sh DIR
set -uo pipefail

dir="${1:?usage: stop-cluster.sh DIR}"
[ -d "$dir" ] || exit 0
dir="$(cd "$dir" && pwd)"
conf="$dir/etc/slurm.conf"

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$dir/run/$1" ] && cat "$dir/run/$1" 2>/dev/null || true; }

# Jobs first, while the daemons can still clean up after them.
ctld="$(pid_of slurmctld.bgpid)"
if [ -f "$conf" ] && alive "$ctld"; then
  SLURM_CONF="$conf" timeout 10 scancel --quiet --full --signal=KILL --user=root >/dev/null 2>&1 || true
  for _ in $(seq 20); do
    [ -z "$(SLURM_CONF="$conf" timeout 5 squeue -h -t R,CG -o %i 2>/dev/null)" ] && break
    sleep 0.25
  done
fi

stop_pid() {
  local pid="$1"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 40); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pid "$(pid_of slurmd.bgpid)"
stop_pid "$ctld"
stop_pid "$(pid_of munged.pid)"

# Leftovers of jobs (slurmstepd, scripts, ranks): only processes whose environment names this cluster's config.
# This script and its callers (a test that exported SLURM_CONF) are spared: they are its ancestors.
ancestors=" "
p=$$
while [ -n "$p" ] && [ "$p" != 0 ]; do
  ancestors+="$p "
  p="$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)"
done
if [ -f "$conf" ]; then
  for env in /proc/[0-9]*/environ; do
    pid="${env#/proc/}"; pid="${pid%/environ}"
    [[ "$ancestors" == *" $pid "* ]] && continue
    [ "$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = "$$" ] && continue
    if { tr "\0" "\n" < "$env"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
fi
exit 0
