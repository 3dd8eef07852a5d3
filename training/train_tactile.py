#!/usr/bin/env python3
"""Trains the learned tactile refinement (TacRefineNet's network, issue #19 item 3) in PyTorch
from the simulated grasps `workcell-train --tactile-dataset DIR` draws, and writes it where
perception's --tactile-model reads it:

    python training/train_tactile.py --dataset DIR [--out models/tactile] [--version wc-tacrefine-1]

Input per grasp (wc-tactile-1, 201 floats): both pads' 11 x 9 taxels (kPa), the analytic line
fit's nut position across / along the pads (mm) and the grip force (N). Output: the correction
to the line fit (mm), so the runtime's answer is fit + network (Shared/NutPerception/
TactileOffsetNet.swift). Loss: MSE of the normalised corrections. Split by a seeded permutation:
test (--test-fraction), validation (--validation-fraction, picks the epoch kept), train.
Deterministic by --seed (torch 2.13 on the CPU, one thread).

Writes OUT/V.safetensors (the Swift runtime's layout, as policy_mlp.py writes a policy, format
workcell-tactile-mlp), OUT/V.md (model card: data, training, the held-out errors of the line fit
and of the network, overall and on grasps with a stray contact), OUT/V.losses.png and
OUT/V.errors.png, and with --report-json FILE the same figures as JSON.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

FORMAT = "workcell-tactile-mlp"
DATASET_FORMAT = "workcell-tactile-grasps/1"
FEATURE_VERSION = "wc-tactile-1"
OUTPUT_NAMES = ["across_correction_mm", "along_correction_mm"]
# The cell's grasp check (Services/cell: graspToleranceMm): a nut further across the pads is re-grasped.
GRASP_TOLERANCE_MM = 2.5


class TactileDatasetError(ValueError):
    """A dataset the trainer will not train on; the message says which file and why."""


def load_dataset(directory: str):
    import numpy as np

    manifest_path = os.path.join(directory, "manifest.json")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise TactileDatasetError(f"{manifest_path} is missing: write the dataset with workcell-train --tactile-dataset")
    except json.JSONDecodeError as error:
        raise TactileDatasetError(f"{manifest_path} is not JSON: {error}")
    if manifest.get("format") != DATASET_FORMAT:
        raise TactileDatasetError(f"{manifest_path}: format is {manifest.get('format')!r}, expected {DATASET_FORMAT!r}")
    if manifest.get("feature_version") != FEATURE_VERSION:
        raise TactileDatasetError(f"{manifest_path}: feature_version {manifest.get('feature_version')!r}; "
                                  f"this trainer and the Swift runtime read {FEATURE_VERSION!r}")
    rows, cols = int(manifest["rows"]), int(manifest["cols"])
    width = 2 * rows * cols + 3
    arrays = {}
    for name, columns in (("features", width), ("labels", 2), ("spurious", 1)):
        path = os.path.join(directory, f"{name}.npy")
        try:
            array = np.load(path)
        except FileNotFoundError:
            raise TactileDatasetError(f"{path} is missing")
        except ValueError as error:
            raise TactileDatasetError(f"{path} is not a .npy array: {error}")
        if array.ndim != 2 or array.shape[1] != columns or array.dtype != np.float32:
            raise TactileDatasetError(f"{path} is {array.dtype} {list(array.shape)}; expected float32 [N, {columns}]")
        bad = np.argwhere(~np.isfinite(array))
        if len(bad):
            r, c = bad[0]
            raise TactileDatasetError(f"{path}: row {r}, column {c} is {array[r, c]}")
        arrays[name] = array
    n = arrays["features"].shape[0]
    if any(a.shape[0] != n for a in arrays.values()):
        raise TactileDatasetError(f"{directory}: features, labels and spurious hold different numbers of rows")
    if n < 20:
        raise TactileDatasetError(f"{directory}: {n} grasps are too few to split into train, validation and test")
    return manifest, arrays["features"], arrays["labels"], arrays["spurious"][:, 0], rows, cols


def errors(predicted, truth, spurious):
    """Mean, p99 and max absolute error per axis, overall and by stray contact, and the grasp
    check's wrong decisions (|across| beyond the tolerance on one side of truth, not the other)."""
    import numpy as np

    e = np.abs(predicted - truth)

    def stats(mask):
        if not mask.any():
            return None
        sub = e[mask]
        return {
            "grasps": int(mask.sum()),
            "mean_mm": [float(v) for v in sub.mean(axis=0)],
            "p99_mm": [float(v) for v in np.percentile(sub, 99, axis=0)],
            "max_mm": [float(v) for v in sub.max(axis=0)],
        }

    wrong = (np.abs(predicted[:, 0]) > GRASP_TOLERANCE_MM) != (np.abs(truth[:, 0]) > GRASP_TOLERANCE_MM)
    return {
        "all": stats(np.ones(len(e), dtype=bool)),
        "clean": stats(spurious == 0),
        "stray_contact": stats(spurious > 0),
        "grasp_check_wrong": int(wrong.sum()),
    }


def train(args) -> dict:
    import numpy as np

    # The dataset first: a bad one is refused even where torch is missing.
    manifest, features, labels, spurious, rows, cols = load_dataset(args.dataset)
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import policy_mlp

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    analytic = features[:, 2 * rows * cols:2 * rows * cols + 2]
    targets = labels - analytic
    n = len(features)
    order = np.random.default_rng(args.seed).permutation(n)
    n_test = max(1, int(round(n * args.test_fraction)))
    n_val = max(1, int(round(n * args.validation_fraction)))
    test, val, tr = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    if len(tr) < 10:
        raise TactileDatasetError(f"{args.dataset}: {len(tr)} training grasps after the splits; draw more")

    sizes = [features.shape[1], *args.hidden, 2]
    model = policy_mlp.PolicyMLP(sizes, args.activation)
    generator = torch.Generator().manual_seed(args.seed)
    policy_mlp.initialise(model, generator)
    x_tr = features[tr].astype(np.float64)
    in_mean, in_std = x_tr.mean(axis=0), x_tr.std(axis=0)
    in_std = np.where(in_std > 1e-6, in_std, 1.0)
    out_mean, out_std = targets[tr].mean(axis=0), targets[tr].std(axis=0)
    out_std = np.where(out_std > 1e-6, out_std, 1.0)
    with torch.no_grad():
        model.input_mean.copy_(torch.tensor(in_mean, dtype=torch.float32))
        model.input_std.copy_(torch.tensor(in_std, dtype=torch.float32))
        model.output_mean.copy_(torch.tensor(out_mean, dtype=torch.float32))
        model.output_std.copy_(torch.tensor(out_std, dtype=torch.float32))

    x_all = torch.from_numpy(features)
    y_norm = torch.from_numpy(((targets - out_mean) / out_std).astype(np.float32))
    x_norm = (x_all - model.input_mean) / model.input_std
    optimiser = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    steps_per_epoch = math.ceil(len(tr) / args.batch_size)
    total_steps = args.epochs * steps_per_epoch
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    val_index = torch.from_numpy(val)

    def validation_loss() -> float:
        with torch.no_grad():
            return float(torch.mean((model.normalised(x_norm[val_index]) - y_norm[val_index]) ** 2))

    history, best, best_state, step = [], math.inf, None, 0
    started = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        permutation = torch.from_numpy(tr[np.random.default_rng(args.seed * 1000 + epoch).permutation(len(tr))])
        running, batches = 0.0, 0
        for start in range(0, len(permutation), args.batch_size):
            if step >= total_steps:
                break
            batch = permutation[start:start + args.batch_size]
            loss = torch.mean((model.normalised(x_norm[batch]) - y_norm[batch]) ** 2)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            running += float(loss.detach())
            batches += 1
            step += 1
        if batches == 0:
            break
        v = validation_loss()
        history.append({"epoch": epoch, "train_loss": running / batches, "validation_loss": v})
        if v < best:
            best = v
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        print(f"[tactile] epoch {epoch}/{args.epochs}: train MSE {running / batches:.4f}, validation MSE {v:.4f} "
              f"({time.monotonic() - started:.1f} s)", flush=True)
    model.load_state_dict(best_state)
    with torch.no_grad():
        learned = analytic[test] + model(torch.from_numpy(features[test])).numpy()
    report = {
        "version": args.version, "dataset": os.path.abspath(args.dataset), "dataset_seed": manifest.get("seed"),
        "grasps": n, "train": len(tr), "validation": len(val), "test": len(test), "layer_sizes": sizes,
        "activation": args.activation, "epochs": len(history), "steps": step, "seed": args.seed,
        "best_validation_loss": best, "history": history, "train_seconds": time.monotonic() - started,
        "grasp_tolerance_mm": GRASP_TOLERANCE_MM,
        "analytic": errors(analytic[test], labels[test], spurious[test]),
        "learned": errors(learned, labels[test], spurious[test]),
    }
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.version)
    metadata = {
        "format": FORMAT, "version": args.version, "layer_sizes": ",".join(str(s) for s in sizes),
        "activation": args.activation, "feature_version": FEATURE_VERSION, "rows": str(rows), "cols": str(cols),
        "output_names": ",".join(OUTPUT_NAMES), "trainer": "training/train_tactile.py (PyTorch " + torch.__version__ + ")",
        "dataset_grasps": str(n), "dataset_seed": str(manifest.get("seed")), "seed": str(args.seed),
        "test_mean_abs_error_mm": ",".join(f"{v:.4f}" for v in report["learned"]["all"]["mean_mm"]),
    }
    policy_mlp.save(model, base + ".safetensors", metadata, expected_format=FORMAT)
    write_card(base + ".md", report)
    plot(base, report)
    if args.report_json:
        with open(args.report_json, "w") as f:
            json.dump(report, f, indent=2)
    print(f"[tactile] wrote {base}.safetensors, {base}.md, {base}.losses.png, {base}.errors.png", flush=True)
    return report


def fmt(stats, axis, key):
    return "–" if stats is None else f"{stats[key][axis]:.3f}"


def write_card(path: str, report: dict) -> None:
    a, l = report["analytic"], report["learned"]
    lines = [
        f"# {report['version']}: learned tactile refinement (TacRefineNet)",
        "",
        "The correction to the analytic line fit's nut position on the pads, from both pads' 11 × 9 "
        "taxels, the fit's answer and the grip force (features wc-tactile-1). perception runs it with "
        "`--tactile-model` (docs/perception.md, \"Learned tactile refinement\").",
        "",
        f"- Data: {report['grasps']} simulated grasps (`workcell-train --tactile-dataset`, seed "
        f"{report['dataset_seed']}): {report['train']} train, {report['validation']} validation, {report['test']} test.",
        f"- Network: MLP {report['layer_sizes']}, {report['activation']}; Adam, cosine schedule, "
        f"{report['epochs']} epochs ({report['steps']} steps), seed {report['seed']}; the epoch with the "
        f"lowest validation MSE ({report['best_validation_loss']:.4f}, normalised) is kept; "
        f"{report['train_seconds']:.0f} s on the CPU.",
        "",
        f"## Held-out error ({report['test']} grasps), mm",
        "",
        "| grasps | n | fit: across mean / p99 / max | network: across mean / p99 / max | fit: along mean / p99 / max | network: along mean / p99 / max |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (("all", "all"), ("clean", "no stray contact"), ("stray_contact", "a stray contact on a pad")):
        if a[key] is None:
            continue
        cells = [label, str(a[key]["grasps"])]
        for axis in (0, 1):
            for stats in (a[key], l[key]):
                cells.append(" / ".join(fmt(stats, axis, k) for k in ("mean_mm", "p99_mm", "max_mm")))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Grasp-check decisions (|across| > {report['grasp_tolerance_mm']} mm) that differ from the truth's: "
        f"fit {a['grasp_check_wrong']}, network {l['grasp_check_wrong']}.",
        "",
        f"![losses]({os.path.basename(path)[:-3]}.losses.png) ![errors]({os.path.basename(path)[:-3]}.errors.png)",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def plot(base: str, report: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = report["history"]
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    ax.plot([h["epoch"] for h in history], [h["train_loss"] for h in history], marker="o", label="train")
    ax.plot([h["epoch"] for h in history], [h["validation_loss"] for h in history], marker="s", label="validation")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (normalised corrections)")
    ax.set_title(f"{report['version']}: losses")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(base + ".losses.png")
    plt.close(fig)

    groups = [k for k in ("clean", "stray_contact") if report["analytic"][k] is not None]
    labels_ = {"clean": "no stray contact", "stray_contact": "stray contact"}
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), dpi=100)
    for axis, (ax, name) in enumerate(zip(axes, ("across the pads", "along the fingers"))):
        xs = range(len(groups))
        width = 0.38
        fit = [report["analytic"][g]["p99_mm"][axis] for g in groups]
        net = [report["learned"][g]["p99_mm"][axis] for g in groups]
        ax.bar([x - width / 2 for x in xs], fit, width, label="line fit")
        ax.bar([x + width / 2 for x in xs], net, width, label="fit + network")
        ax.set_xticks(list(xs), [labels_[g] for g in groups])
        ax.set_ylabel("p99 |error|, mm")
        ax.set_title(name)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend()
    fig.suptitle(f"{report['version']}: held-out nut position error ({report['test']} grasps)")
    fig.tight_layout()
    fig.savefig(base + ".errors.png")
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, help="directory workcell-train --tactile-dataset wrote")
    parser.add_argument("--out", default="models/tactile", help="where the model, card and plots go")
    parser.add_argument("--version", default="wc-tacrefine-1", help="model version and file name")
    parser.add_argument("--hidden", default="256,256", help="hidden layer widths")
    parser.add_argument("--activation", default="relu", choices=("relu", "gelu", "tanh"))
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many optimiser steps (0 = none)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--test-fraction", type=float, default=0.1)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--report-json", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    try:
        args.hidden = [int(v) for v in args.hidden.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--hidden {args.hidden!r}: expected comma-separated widths")
    if not args.hidden or min(args.hidden) <= 0:
        parser.error("--hidden needs at least one positive width")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if not (0 < args.test_fraction < 0.5 and 0 < args.validation_fraction < 0.5):
        parser.error("--test-fraction and --validation-fraction must be in (0, 0.5)")
    try:
        report = train(args)
    except TactileDatasetError as error:
        print(f"train_tactile: error: {error}", file=sys.stderr)
        return 2
    a, l = report["analytic"]["all"], report["learned"]["all"]
    print(f"[tactile] held-out mean |error| across/along: line fit {a['mean_mm'][0]:.3f}/{a['mean_mm'][1]:.3f} mm, "
          f"fit + network {l['mean_mm'][0]:.3f}/{l['mean_mm'][1]:.3f} mm ({report['test']} grasps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
