# Sourced by scripts/train-policy.sh and scripts/train-tactile.sh (after they define `step`): the
# trainer's Python and the workcell-train build they share.
#
#   training_python PROG "MODULE, …"   sets python: $WORKCELL_PYTHON, else scripts/python-env.sh's venv;
#                                      exits 1 naming PROG when a module is missing
#   training_bin CONFIG                sets bin: $WORKCELL_BIN_DIR, else builds workcell-train (-c CONFIG)

training_python() {
  python=${WORKCELL_PYTHON:-}
  if [ -z "$python" ]; then
    step "Python environment (scripts/python-env.sh)"
    python="$(scripts/python-env.sh)/bin/python"
  fi
  "$python" -c "import $2" 2>/dev/null \
    || { echo "$1: $python lacks $2 (pip install -r training/requirements.txt)" >&2; exit 1; }
}

training_bin() {
  if [ -n "${WORKCELL_BIN_DIR:-}" ]; then
    bin="$WORKCELL_BIN_DIR"
  else
    step "build workcell-train ($1)"
    swift build -c "$1" --product workcell-train >&2
    bin=$(swift build -c "$1" --show-bin-path)
  fi
}
