#!/usr/bin/env bash
# Brings up a private one-node Slurm cluster on this machine (munged + slurmctld + slurmd), for testing batch scripts.
# Everything (keys, sockets, config, state, spool, logs, PID files) lives under DIR; nothing in /etc is touched.
#   tools/slurm/start-cluster.sh DIR [CPUS]        (CPUS: CPUs the node advertises, default: this machine's count)
# On success prints `export SLURM_CONF=DIR/etc/slurm.conf` (source or eval it) and exits 0; stop with
#   tools/slurm/stop-cluster.sh DIR
# Exit 77 means "Slurm cannot run here" (missing programs, no usable hostname or ports, daemons that do not come up):
# the reason is on stderr and the caller should skip, not fail. Every wait is bounded; it never hangs.
# Needs root (slurmd starts jobs as their users); Debian packages: slurmctld slurmd slurm-client munge.
set -euo pipefail

dir="${1:?usage: start-cluster.sh DIR [CPUS]}"
cpus="${2:-$(nproc)}"
memory_mb="$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
skip() { echo "start-cluster: cannot run Slurm here: $*" >&2; exit 77; }

for prog in munged munge slurmctld slurmd sinfo scontrol sbatch; do
  command -v "$prog" >/dev/null 2>&1 || skip "'$prog' not found (install: tools/install-deps.sh --slurm)"
done
[ "$(id -u)" = 0 ] || skip "slurmd must run as root (this user is $(id -un))"

host="$(hostname -s 2>/dev/null || uname -n | cut -d. -f1)"
[[ "$host" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || skip "hostname '$host' is not usable as a Slurm node name"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
mkdir -p "$dir"/{etc,state,log,munge,run} "$dir/spool/slurmd-$host"
# munged wants every folder above its socket searchable by all users, and its key private to the daemon's user.
chmod 755 "$dir"
chmod 711 "$dir/munge"
p="$dir"
while [ "$p" != / ]; do
  p="$(dirname "$p")"
  [ "$(( $(stat -c '%a' "$p") % 2 ))" = 1 ] || skip "folder '$p' is not searchable by all (chmod o+x), which munged requires"
done

# Free TCP ports: ask the kernel (bind to port 0) when Python is there, else probe random ports with ss.
free_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); held.append(s); print(s.getsockname()[1])
EOF
  else
    local n=0 p used
    used="$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' || true)"
    while [ "$n" -lt "$1" ]; do
      p=$(( 20000 + RANDOM % 30000 ))
      if ! grep -qx "$p" <<<"$used"; then echo "$p"; used+=$'\n'"$p"; n=$((n + 1)); fi
    done
  fi
}
mapfile -t ports < <(free_ports 2)
[ "${#ports[@]}" -eq 2 ] || skip "could not find two free TCP ports"

# --- munge: own key, socket, PID, log -----------------------------------------------------------------------------
key="$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
[ -f "$key" ] || { dd if=/dev/urandom of="$key" bs=1024 count=1 status=none; chmod 400 "$key"; }
munged --key-file="$key" --socket="$socket" --pid-file="$dir/run/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
  || skip "munged did not start (see $dir/log/munged.log)"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
munge -S "$socket" -n </dev/null | unmunge -S "$socket" >/dev/null 2>&1 \
  || skip "munge credentials do not round-trip through $socket"

# --- slurm.conf -----------------------------------------------------------------------------------------------------
conf="$dir/etc/slurm.conf"
cat > "$conf" <<EOF
# Written by tools/slurm/start-cluster.sh: a private one-node cluster for tests.
ClusterName=discatest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
AuthType=auth/munge
# cred_expire: also how long a requeued job waits before it may start again (Slurm default 120 s).
AuthInfo=socket=$socket,cred_expire=5
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
JobRequeue=1
# Short timers so that tests do not wait on the scheduler.
SchedulerParameters=sched_interval=1
MessageTimeout=10
KillWait=5
MinJobAge=300
InactiveLimit=0
MailProg=/bin/true
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
cat > "$dir/etc/cgroup.conf" <<EOF
CgroupPlugin=autodetect
EOF
export SLURM_CONF="$conf"

# --- daemons: foreground (-D) in the background, their PIDs recorded for stop-cluster.sh ----------------------------
slurmctld -D -i >"$dir/log/slurmctld.out" 2>&1 &
echo $! > "$dir/run/slurmctld.bgpid"
slurmd -D -N "$host" >"$dir/log/slurmd.out" 2>&1 &
echo $! > "$dir/run/slurmd.bgpid"

# --- wait (bounded) until the node is idle --------------------------------------------------------------------------
state=""
for _ in $(seq 150); do
  state="$(timeout 5 sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  [ "$state" = "idle" ] && break
  for d in slurmctld slurmd; do
    kill -0 "$(cat "$dir/run/$d.bgpid")" 2>/dev/null || skip "$d exited at start: $(tail -n 3 "$dir/log/$d.out" "$dir/log/$d.log" 2>/dev/null | tr '\n' ' ')"
  done
  sleep 0.2
done
[ "$state" = "idle" ] || skip "node '$host' is not idle after 30 s (state '$state'); see $dir/log/"
echo "export SLURM_CONF=$conf"
