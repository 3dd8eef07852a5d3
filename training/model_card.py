#!/usr/bin/env python3
"""The model card and loss plot train_policy.py writes beside a model, and the closed-loop
section scripts/train-policy.sh appends once workcell-train has evaluated it (with one
--round-report per training round, oldest first, also a table and a plot OUT/V.rounds.png of
closed-loop success per round):

    python training/model_card.py --card OUT/V.md --policy-report P.json --planner-report S.json \
        [--round-report R1.json --round-report R2.json ...] [--wall-seconds N]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys

CLOSED_LOOP_HEADING = "## Closed loop in simulation"


def plot_losses(path: str, history, version: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h.epoch for h in history]
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    ax.plot(epochs, [h.train_loss for h in history], marker="o", label="train MSE (normalised)")
    ax.plot(epochs, [h.validation_loss for h in history], marker="s", label="validation MSE (held-out worlds)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(f"{version}: losses")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(path, *, dataset, result, config, metadata, file_bytes, wall_seconds, plot_name) -> None:
    import torch

    episodes = dataset.episodes
    by_source = collections.Counter(
        e.get("source", "?") + (" (perturbed copies)" if e.get("perturbed") else "") for e in episodes)
    outcomes = collections.Counter(e.get("outcome", "?") for e in episodes
                                   if not e.get("perturbed") and e.get("source") == "expert")
    provenance = dataset.info.get("workcell", {}).get("provenance", {})
    parameters = sum(p.numel() for p in result.model.layers.parameters())
    rows = "\n".join(
        f"| {h.epoch} | {h.steps} | {h.train_loss:.4f} | {h.validation_loss:.4f} | {h.validation_joint_rms_mrad:.2f} | {h.seconds:.1f} |"
        for h in result.history)
    hidden = ",".join(str(h) for h in config.hidden)
    export_command = export_command_for(provenance)
    noise = getattr(config, "feature_noise", {}) or {}
    init_from = getattr(config, "init_from", "") or ""
    noise_text = (f", started from `{os.path.basename(init_from)}`'s weights and normalisation" if init_from else "")
    noise_text += "".join(f", input noise σ {sigma} std on features `{prefix}…`" for prefix, sigma in sorted(noise.items()))
    text = f"""# Policy model card: {metadata['version']}

An MLP trained with PyTorch {torch.__version__} (CPU, {config.threads} thread{'s' if config.threads != 1 else ''}) by
`training/train_policy.py` from a LeRobot v3.0 dataset written by `workcell-train --export-dataset`,
in the Swift runtime's layout (docs/policy.md, "Training with PyTorch"). Reproduce with:

```
{export_command}
python training/train_policy.py --dataset DATASET --out OUT --version {metadata['version']} \\
  --hidden {hidden} --activation {config.activation} --epochs {config.epochs} --max-steps {config.max_steps} \\
  --batch-size {config.batch_size} --learning-rate {config.learning_rate} --validation-fraction {config.validation_fraction} \\
  --seed {config.seed} --threads {config.threads}
```

## Data
- Dataset `{metadata['dataset']}`: {len(dataset.observations)} frames in {len(episodes)} episodes
  ({', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))}); expert cycles' outcomes:
  {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items())) or 'none'}.
- Recorded with: {', '.join(f'{k} {v}' for k, v in sorted(provenance.items())) or 'no provenance in info.json'}.
- Input `observation.state`: features `{metadata['feature_version']}` ({len(dataset.state_names)} floats); label
  `action`: {dataset.chunk_steps} steps × ({len(dataset.joint_names)} joint targets relative to the observed joints,
  gripper width, grip force) at {dataset.step_period_ms} ms.
- Split: {result.train_rows} frames train, {result.validation_rows} validate (expert worlds with seeds
  {', '.join(str(s) for s in result.validation_seeds) or 'none'} held out whole, perturbed copies included).

## Architecture
- Layers {' → '.join(str(s) for s in result.model.layer_sizes)}, {config.activation} between layers,
  {parameters} parameters, file {file_bytes} bytes (F32 safetensors, weights [in, out]).
- Input normalisation per feature, output mean per output and scale per value type, from the
  training frames.

## Training
Adam (β 0.9/0.999), learning rate {config.learning_rate} cosine-decayed to {config.final_learning_rate_fraction * 100:.0f} %,
minibatch {config.batch_size}, MSE on normalised targets{noise_text}, seed {config.seed}: {result.steps} steps in
{len(result.history)} epochs, {result.seconds:.1f} s of training ({wall_seconds:.1f} s with loading and
writing) on this shared machine.

| epoch | steps | train MSE | validation MSE | validation joint RMS, mrad | seconds |
|---|---|---|---|---|---|
{rows}

![losses]({plot_name})

{CLOSED_LOOP_HEADING}
Not evaluated by the trainer: `workcell-train --eval-only --model FILE` runs it, and
`scripts/train-policy.sh` replaces this section with the result against the scripted planner.
"""
    with open(path, "w") as f:
        f.write(text)


def export_command_for(provenance: dict) -> str:
    """The workcell-train command that recorded the dataset, from info.json's provenance."""
    seeds = str(provenance.get("train_seeds", ""))
    first, _, last = seeds.partition("-")
    parts = ["workcell-train --export-dataset DATASET"]
    if first.isdigit() and last.isdigit():
        parts.append(f"--first-train-seed {first} --train-seeds {int(last) - int(first) + 1}")
    for key, flag in (("cycles_per_seed", "--cycles-per-seed"), ("width_jitter_mm", "--width-jitter-mm"),
                      ("joint_noise_rad", "--joint-noise-rad"), ("failure_rate_scale", "--failure-rate-scale")):
        if key in provenance:
            parts.append(f"{flag} {provenance[key]}")
    if provenance.get("takeover_model"):
        parts.append(f"--takeover-model MODEL  # {provenance['takeover_model']}, takeover seeds {provenance.get('takeover_seeds', '')}")
    return " ".join(parts)


def closed_loop_section(policy: dict, planner: dict | None) -> str:
    def row(r):
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items()))
        rate = r["fastened"] / r["cycles"] if r["cycles"] else 0
        return f"| {r['driver']} | {r['fastened']}/{r['cycles']} | {rate:.2f} | {outcomes} |"

    lines = [
        CLOSED_LOOP_HEADING,
        f"`workcell-train --eval-only` on held-out seeds {policy['seeds']}, {policy['cycles_per_seed']} cycles each "
        f"({policy['loop']}, replanning every {policy['replan_steps']} steps); the scripted planner on the same seeds "
        "and loop (`--planner scripted`).",
        "",
        "| driver | fastened | rate | outcomes |",
        "|---|---|---|---|",
        row(policy),
    ]
    if planner:
        lines.append(row(planner))
    failures = ", ".join(f"{k} {v}" for k, v in sorted(policy["failures_by_step"].items(), key=lambda kv: -kv[1]))
    lines += ["", f"Cycles the policy did not fasten, by the step reached: {failures or 'none'}.", ""]
    return "\n".join(lines)


def rounds_section(rounds: list[dict], planner: dict | None) -> str:
    dagger = any(str(r.get("seeds", "")).startswith("400001") for r in rounds)
    what = ("round k > 1 adds planner-labelled rollouts driven by round k − 1's model; evaluated on the selection "
            "worlds" if dagger else "round k > 1 adds expert takeovers from round k − 1's model to the data")
    lines = ["", f"Per training round ({what}):", "",
             "| round | model | fastened | outcomes |", "|---|---|---|---|"]
    for k, r in enumerate(rounds, 1):
        outcomes = ", ".join(f"{name} {count}" for name, count in sorted(r["outcomes"].items()))
        lines.append(f"| {k} | {r['driver']} | {r['fastened']}/{r['cycles']} | {outcomes} |")
    return "\n".join(lines) + "\n"


def plot_rounds(path: str, rounds: list[dict], planner: dict | None, version: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = list(range(1, len(rounds) + 1))
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    ax.plot(x, [r["fastened"] / max(r["cycles"], 1) for r in rounds], marker="o", label="learned policy")
    if planner:
        ax.axhline(planner["fastened"] / max(planner["cycles"], 1), color="grey", linestyle="--",
                   label=f"{planner['driver']} (same seeds)")
    ax.set_ylim(0, 1.05)
    ax.set_xticks(x)
    ax.set_xlabel("training round")
    ax.set_ylabel("fastened (closed loop)")
    ax.set_title(f"{version}: closed-loop success per round")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--card", required=True, help="the model card to update")
    parser.add_argument("--policy-report", required=True, help="workcell-train --eval-only --report-json output")
    parser.add_argument("--planner-report", help="workcell-train --planner scripted --report-json output")
    parser.add_argument("--round-report", action="append", default=[],
                        help="the closed-loop report of each training round, oldest first (repeat)")
    parser.add_argument("--wall-seconds", type=float, help="the whole loop's wall time, to note in the card")
    args = parser.parse_args(argv)
    with open(args.policy_report) as f:
        policy = json.load(f)
    planner = None
    if args.planner_report:
        with open(args.planner_report) as f:
            planner = json.load(f)
    with open(args.card) as f:
        card = f.read()
    head, _, _ = card.partition(CLOSED_LOOP_HEADING)
    section = closed_loop_section(policy, planner)
    if args.round_report:
        rounds = []
        for path in args.round_report:
            with open(path) as f:
                rounds.append(json.load(f))
        section += rounds_section(rounds, planner)
        base = args.card[:-3] if args.card.endswith(".md") else args.card
        plot_rounds(base + ".rounds.png", rounds, planner, policy["driver"])
        section += f"\n![closed loop per round]({base.rsplit('/', 1)[-1]}.rounds.png)\n"
    if args.wall_seconds is not None:
        section += f"\nThe whole loop (export, training, evaluation; scripts/train-policy.sh) took {args.wall_seconds:.0f} s of wall time.\n"
    with open(args.card, "w") as f:
        f.write(head + section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
