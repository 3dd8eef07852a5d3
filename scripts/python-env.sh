#!/usr/bin/env bash
# Creates (if missing) the Python venv used by Tests/Interop, training/ and scripts/bench, installs
# Tests/Interop/requirements.txt and training/requirements.txt into it (only when the requirements
# changed), and prints the venv's path on stdout (one line; everything else goes to stderr):
#
#   venv=$(scripts/python-env.sh) && "$venv/bin/python" -m pytest Tests/Interop
#
# Environment:
#   WORKCELL_VENV    where the venv lives (default: <repo>/.venv)
#   WORKCELL_PYTHON  the interpreter to create it with (default: python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/Tests/Interop/requirements.txt"
training_requirements="$root/training/requirements.txt"
# torch's CPU wheels (PyPI's default Linux wheel is the multi-GB CUDA build); used only when no
# local wheel (pip config find-links) has the pinned version.
TORCH_CPU_INDEX="https://download.pytorch.org/whl/cpu"
venv="${WORKCELL_VENV:-$root/.venv}"
python="${WORKCELL_PYTHON:-python3}"
PIP_TIMEOUT=60        # seconds per network operation (pip --timeout)
INSTALL_TIMEOUT=900   # seconds for the whole pip install
VENV_TIMEOUT=300      # seconds for python -m venv

log() { printf 'python-env: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$requirements" ] || die "missing $requirements"
[ -f "$training_requirements" ] || die "missing $training_requirements"
command -v "$python" >/dev/null 2>&1 || die "$python not found (set WORKCELL_PYTHON)"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) not found"

mkdir -p -- "$venv"
venv=$(cd "$venv" && pwd)
stamp="$venv/.workcell-requirements.sha256"

# Serialise concurrent callers on the same venv.
exec 9>"$venv/.workcell-lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 1200 9 || die "timed out waiting for another python-env.sh on $venv"
fi

# The stamp covers the requirements and the interpreter, so a new Python rebuilds the install.
want=$( { cat "$requirements" "$training_requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating venv at $venv with $("$python" --version 2>&1)"
  rm -f -- "$stamp"
  if ! timeout "$VENV_TIMEOUT" "$python" -m venv "$venv" >&2; then
    # Debian's system python needs python3-venv for ensurepip.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "python -m venv failed; installing python3-venv"
      DEBIAN_FRONTEND=noninteractive timeout "$VENV_TIMEOUT" apt-get install -y -q python3-venv >&2 \
        || { DEBIAN_FRONTEND=noninteractive timeout "$VENV_TIMEOUT" apt-get update -q >&2 \
             && DEBIAN_FRONTEND=noninteractive timeout "$VENV_TIMEOUT" apt-get install -y -q python3-venv >&2; } \
        || die "could not install python3-venv"
      timeout "$VENV_TIMEOUT" "$python" -m venv --clear "$venv" >&2 || die "python -m venv $venv failed"
    else
      die "python -m venv $venv failed (on Debian: apt-get install python3-venv)"
    fi
  fi
fi

have=$(cat "$stamp" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  log "installing ${requirements#"$root"/} into $venv"
  rm -f -- "$stamp"
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 timeout "$INSTALL_TIMEOUT" "$venv/bin/python" -m pip install \
      --quiet --timeout "$PIP_TIMEOUT" --retries 3 -r "$requirements" >&2; then
    die "pip install -r $requirements failed (or took longer than ${INSTALL_TIMEOUT}s)"
  fi
  pip_quiet() {
    PIP_DISABLE_PIP_VERSION_CHECK=1 timeout "$INSTALL_TIMEOUT" "$venv/bin/python" -m pip install \
      --quiet --timeout "$PIP_TIMEOUT" --retries 3 "$@" >&2
  }
  torch_pin=$(grep -E '^torch==' "$training_requirements" | head -n1)
  # torch: a local CPU wheel first (no network), else PyTorch's CPU index; its dependencies and the
  # rest of training/requirements.txt come from the ordinary index in the next step.
  if pip_quiet --no-index --no-deps "$torch_pin" 2>/dev/null; then
    log "$torch_pin from a local wheel"
  elif pip_quiet --no-deps --index-url "$TORCH_CPU_INDEX" "$torch_pin"; then
    log "$torch_pin from PyTorch's CPU index"
  else
    log "warning: could not install $torch_pin (no local wheel, CPU index unreachable); the trainer's tests will skip"
  fi
  if "$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'; then
    pip_quiet -r "$training_requirements" || die "pip install -r $training_requirements failed"
  else
    pip_quiet -r <(grep -vE '^torch==' "$training_requirements") || die "pip install -r $training_requirements (without torch) failed"
  fi
  printf '%s\n' "$want" >"$stamp"
fi

printf '%s\n' "$venv"
