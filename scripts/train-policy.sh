#!/usr/bin/env bash
# The policy's training loop: Swift records the demonstrations in the simulated cell and writes
# them as a LeRobot v3.0 dataset → PyTorch trains the MLP (training/train_policy.py) → Swift
# evaluates it closed loop on held-out seeds against the scripted planner, and the results go
# into the model card. docs/policy.md, "Training with PyTorch".
#
#   scripts/train-policy.sh [--version V] [--out DIR] [--work DIR] [--rounds N] [--dagger] [--small]
#                           [--debug] [--export "ARGS"] [--train "ARGS"] [--eval "ARGS"]
#
#   --version V   model version and file name (default wc-mlp-torch-1)
#   --out DIR     where the model, card and plot go (default models/policy)
#   --work DIR    where the dataset and reports go (default a new temporary directory)
#   --rounds N    training rounds (default 1); round k > 1 re-exports the demonstrations plus expert
#                 takeovers from round k-1's model (workcell-train --takeover-model) and trains anew
#   --dagger      DAgger with the scripted planner as the labeller (issue #18 item 2): round 1 rolls the
#                 planner out through the whole-body controller at 0/50/100/150 ms and labels every
#                 20 ms look with its chunk (workcell-train --label-with planner, features wc-features-3);
#                 round k > 1 lets round k-1's model drive each replan with probability 1 - β
#                 (β = 0.5^(k-1)) on 100 new worlds × 3 cycles, labels them the same way, and trains on every round's
#                 data; the first 13 chunk steps weigh 3× in the loss, insert frames 4× and grasp 2×;
#                 every round is evaluated through the controller at 100 and 0 ms on selection
#                 worlds (400001…), the best round over both is kept as V (training/select_round.py),
#                 and V and the planner are evaluated on the held-out worlds (100001…) at 100 ms
#   --small       a smoke run of a minute or so: 4 worlds, at most 200 training steps, 4 held-out worlds
#   --debug       use the debug build (.build/debug) instead of building -c release
#   --export/--train/--eval "ARGS"   extra arguments for each step (workcell-train, train_policy.py,
#                 workcell-train --eval-only and --planner scripted)
# Environment: WORKCELL_PYTHON (default .venv/bin/python, made by scripts/python-env.sh),
# WORKCELL_BIN_DIR (a directory holding a built workcell-train; skips the build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=wc-mlp-torch-1
out=models/policy
work=""
rounds=1
dagger=0
small=0
config=release
export_args=""
train_args=""
eval_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dagger) dagger=1; shift ;;
    --small) small=1; shift ;;
    --debug) config=debug; shift ;;
    --export) export_args=$2; shift 2 ;;
    --train) train_args=$2; shift 2 ;;
    --eval) eval_args=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "train-policy: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

step() { printf '\n=== train-policy: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)" >&2; }
started=$(date +%s)
# shellcheck source=scripts/training-tools.sh
. scripts/training-tools.sh
training_python train-policy "torch, pyarrow, safetensors, matplotlib"
training_bin "$config"
train_bin="$bin/workcell-train"

[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/train-policy.XXXXXX")
mkdir -p "$work"
case "$rounds" in ''|*[!0-9]*|0) echo "train-policy: --rounds $rounds: expected a positive integer" >&2; exit 64 ;; esac

if [ $small = 1 ]; then
  sizes_export="--train-seeds 4 --cycles-per-seed 1 --dagger-seeds 4 --takeovers-per-seed 1"
  sizes_train="--max-steps 200"
  sizes_eval="--eval-seeds 4 --eval-cycles-per-seed 1"
else
  sizes_export=""
  sizes_train=""
  sizes_eval=""
fi

if [ $dagger = 1 ]; then
  [ $small = 1 ] || sizes_export="--train-seeds 100"
  sizes_train="$sizes_train --first-steps 13 --first-steps-weight 3 --step-weight insert=4 --step-weight grasp=2"
  sizes_eval="$sizes_eval --through-control-latency-ms 100 --eval-cycles-per-seed 3"
  [ $small = 1 ] && sizes_eval="--eval-seeds 4 --eval-cycles-per-seed 1 --through-control-latency-ms 100"
fi

mkdir -p "$out"
previous=""
round_reports=()
datasets=()
selection=()
for round in $(seq 1 "$rounds"); do
  if [ "$round" = "$rounds" ] && [ $dagger = 0 ]; then model_dir=$out; model_version=$version
  else model_dir="$work/round-$round"; model_version="$version-round-$round"; fi
  mkdir -p "$model_dir"
  dataset="$work/dataset-round-$round"
  rm -rf "$dataset" "$dataset.staging" "$dataset.partial"
  takeovers=()
  if [ $dagger = 1 ]; then
    # New worlds each round; the student drives with probability 1 - β, β halving per round.
    takeovers=(--label-with planner --first-train-seed $(( 1 + (round - 1) * 1000 )))
    if [ -n "$previous" ]; then
      takeovers+=(--student "$previous" --beta "$(awk -v k="$round" 'BEGIN { print 0.5 ^ (k - 1) }')")
    fi
    datasets+=(--dataset "$dataset")
    what="planner-labelled rollouts${previous:+ driven with $(basename "$previous" .safetensors)}"
  else
    [ -n "$previous" ] && takeovers=(--takeover-model "$previous")
    datasets=(--dataset "$dataset")
    what="demonstrations${previous:+ and takeovers from $(basename "$previous")}"
  fi

  step "round $round/$rounds: 1/3 export $what as a LeRobot v3.0 dataset ($dataset)"
  # shellcheck disable=SC2086
  "$train_bin" --export-dataset "$dataset" --python "$python" "${takeovers[@]}" $sizes_export $export_args

  step "round $round/$rounds: 2/3 train $model_version with PyTorch on $(( ${#datasets[@]} / 2 )) dataset(s) (training/train_policy.py)"
  # shellcheck disable=SC2086
  "$python" training/train_policy.py "${datasets[@]}" --out "$model_dir" --version "$model_version" $sizes_train $train_args

  if [ $dagger = 1 ]; then
    # Rounds are compared on selection worlds of their own, not on the held-out ones the card reports.
    # At 100 ms (the issue's bar) and at 0 ms (the demo's modelled latency): a round can be good at one only.
    step "round $round/$rounds: 3/3 closed loop of $model_version on the selection worlds (400001…, 100 and 0 ms)"
    # shellcheck disable=SC2086
    "$train_bin" --eval-only --model "$model_dir/$model_version.safetensors" --report-json "$work/policy-round-$round.json" \
      $sizes_eval --first-eval-seed 400001 $eval_args
    # shellcheck disable=SC2086
    "$train_bin" --eval-only --model "$model_dir/$model_version.safetensors" --report-json "$work/policy-round-$round-0ms.json" \
      $sizes_eval --first-eval-seed 400001 $eval_args --through-control-latency-ms 0
    selection+=(--round "$model_dir/$model_version.safetensors:$work/policy-round-$round.json,$work/policy-round-$round-0ms.json")
  else
    step "round $round/$rounds: 3/3 closed loop of $model_version on held-out seeds"
    # shellcheck disable=SC2086
    "$train_bin" --eval-only --model "$model_dir/$model_version.safetensors" --report-json "$work/policy-round-$round.json" \
      $sizes_eval $eval_args
  fi
  round_reports+=(--round-report "$work/policy-round-$round.json")
  previous="$model_dir/$model_version.safetensors"
done

final_report="$work/policy-round-$rounds.json"
if [ $dagger = 1 ]; then
  step "keep the round that fastened most on the selection worlds (training/select_round.py)"
  kept=$("$python" training/select_round.py "${selection[@]}" --version "$version" --out "$out")
  step "closed loop of $version (round $kept) on the held-out seeds"
  final_report="$work/policy-final.json"
  # shellcheck disable=SC2086
  "$train_bin" --eval-only --model "$out/$version.safetensors" --report-json "$final_report" $sizes_eval $eval_args
fi

step "the scripted planner on the same held-out seeds"
# shellcheck disable=SC2086
"$train_bin" --planner scripted --report-json "$work/planner.json" $sizes_eval $eval_args

wall=$(( $(date +%s) - started ))
rounds_args=()
[ "$rounds" -gt 1 ] && rounds_args=("${round_reports[@]}")
"$python" training/model_card.py --card "$out/$version.md" --policy-report "$final_report" \
  --planner-report "$work/planner.json" "${rounds_args[@]}" --wall-seconds "$wall"
step "done in ${wall} s: $out/$version.safetensors, $out/$version.md, $out/$version.losses.png (dataset and reports in $work)"
