#!/usr/bin/env bash
# Installs exactly the Debian packages that building and testing disca need.
# Idempotent: packages already present are left alone. Works as root or through sudo.
#   tools/install-deps.sh            build + test dependencies
#   tools/install-deps.sh --slurm    also Slurm and munge (for the batch-script test)
#   tools/install-deps.sh --python   also the Python packages of tools/ (fixtures, plots)
set -euo pipefail

packages=(libopenmpi-dev openmpi-bin libopenblas-dev liblapacke-dev libhdf5-openmpi-dev hdf5-tools pkg-config zlib1g-dev)
want_slurm=0
want_python=0
for arg in "$@"; do
  case "$arg" in
    --slurm) want_slurm=1 ;;
    --python) want_python=1 ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --slurm or --python)" >&2; exit 2 ;;
  esac
done
if [ "$want_slurm" = 1 ]; then packages+=(slurmctld slurmd slurm-client munge); fi

if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all Debian packages present (${packages[*]})"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

if [ "$want_python" = 1 ]; then
  req="$(dirname "$0")/requirements.txt"
  echo "install-deps: pip install -r $req"
  python3 -m pip install -q -r "$req"
fi
