#!/usr/bin/env bash
# The learned tactile refinement's training (issue #19 item 3): Swift draws simulated grasps with
# the world's pad model (workcell-train --tactile-dataset) → PyTorch trains the correction network
# (training/train_tactile.py) → the model, its card and plots go where perception's --tactile-model
# and workcell-bench cell's learned-refine arm read them. docs/perception.md, "Learned tactile
# refinement".
#
#   scripts/train-tactile.sh [--version V] [--out DIR] [--work DIR] [--grasps N] [--seed S] [--small]
#                            [--debug] [--train "ARGS"]
#
#   --version V   model version and file name (default wc-tacrefine-1)
#   --out DIR     where the model, card and plots go (default models/tactile)
#   --work DIR    where the dataset goes (default a new temporary directory)
#   --grasps N    simulated grasps to draw (default 200000)
#   --seed S      the dataset's and the training's seed (default 1)
#   --small       a smoke run of a few seconds: 2 000 grasps, 3 epochs
#   --debug       use the debug build (.build/debug) instead of building -c release
#   --train "ARGS"  extra arguments for training/train_tactile.py (e.g. "--epochs 80 --hidden 256,256")
# Environment: WORKCELL_PYTHON (default .venv/bin/python, made by scripts/python-env.sh),
# WORKCELL_BIN_DIR (a directory holding a built workcell-train; skips the build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=wc-tacrefine-1
out=models/tactile
work=""
grasps=200000
seed=1
small=0
config=release
train_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --grasps) grasps=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --small) small=1; shift ;;
    --debug) config=debug; shift ;;
    --train) train_args=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "train-tactile: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
case "$grasps" in ''|*[!0-9]*|0) echo "train-tactile: --grasps $grasps: expected a positive integer" >&2; exit 64 ;; esac

step() { printf '\n=== train-tactile: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)" >&2; }
# shellcheck source=scripts/training-tools.sh
. scripts/training-tools.sh
training_python train-tactile "torch, safetensors, matplotlib"
training_bin "$config"

[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/train-tactile.XXXXXX")
mkdir -p "$work" "$out"
sizes_train="--epochs 80 --hidden 256,256"
if [ $small = 1 ]; then
  grasps=2000
  sizes_train="--epochs 3 --hidden 32,32"
fi
dataset="$work/grasps-seed-$seed"
rm -rf "$dataset"

step "1/2 draw $grasps simulated grasps ($dataset)"
"$bin/workcell-train" --tactile-dataset "$dataset" --grasps "$grasps" --seed "$seed"

step "2/2 train $version with PyTorch (training/train_tactile.py)"
# shellcheck disable=SC2086
"$python" training/train_tactile.py --dataset "$dataset" --out "$out" --version "$version" --seed "$seed" \
  $sizes_train $train_args
echo "train-tactile: $out/$version.safetensors (card $out/$version.md); run it with workcell demo --tactile-model $out/$version.safetensors" >&2
