#!/usr/bin/env python3
"""Trains the cell's policy MLP with PyTorch from a LeRobot v3.0 dataset and writes it in the
Swift runtime's layout.

Reads the (policy features -> expert chunk label) frames that `workcell-train --export-dataset`
writes (observation.state = the 41 PolicyFeatures of feature version wc-features-2, action = the
label chunk flattened: per step 7 joint targets relative to the observed joints in rad, gripper
width in m, grip force in N). Refuses a dataset with a missing column, a NaN or a feature
version the Swift runtime does not read, naming the column and the episode.

Fits the network PolicyModel runs (layer sizes, activation, input/output normalisation as
Shared/PolicyRuntime stores them): Adam, cosine-decayed learning rate, MSE on normalised targets,
the last --validation-fraction of the expert worlds (by seed) held out whole. Deterministic by
--seed (torch.manual_seed, deterministic algorithms, --threads threads). Writes
<out>/<version>.safetensors (weights [in, out] as the Swift runtime reads them, __metadata__ with
format, layer sizes, activation, chunk steps, period, joint and gripper names, feature_version,
provenance), <out>/<version>.md (model card: data, steps, losses) and <out>/<version>.losses.png.
A progress line goes to stderr. Evaluate the model closed loop with
`workcell-train --eval-only --model <out>/<version>.safetensors`; scripts/train-policy.sh runs
the whole loop.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_dataset  # noqa: E402


@dataclass
class TrainConfig:
    hidden: list[int] = field(default_factory=lambda: [256, 256])
    activation: str = "gelu"
    epochs: int = 16
    max_steps: int = 0               # 0 = every epoch; else stop after this many minibatches
    batch_size: int = 256
    learning_rate: float = 1e-3
    final_learning_rate_fraction: float = 0.05
    validation_fraction: float = 0.15
    seed: int = 1
    threads: int = 1
    progress: bool = True
    # The loss weight of the first `first_steps` chunk steps (the ones control executes before the
    # next chunk arrives: 5 per 100 ms replan plus the latency's); the rest weigh 1.
    first_steps: int = 0
    first_steps_weight: float = 1.0
    # Loss weight per cycle step of the frame (feature `cycle_step.<name>` = 1), e.g. {"insert": 4}:
    # the insertion needs millimetres the carry's large motions drown in the mean.
    step_weights: dict = field(default_factory=dict)
    # Gaussian input noise per feature-name prefix, in units of that feature's training standard
    # deviation, e.g. {"tracked.": 0.3}: drawn afresh per minibatch from the seeded generator (no draws
    # and the same weights as before when empty). Meant for the tracked-chunk features, which a student
    # can copy instead of reading the world.
    feature_noise: dict = field(default_factory=dict)
    # Start from this model file's weights and normalisation instead of a fresh network (DAgger's
    # next round continuing the last student); its layers and feature version must match.
    init_from: str = ""


@dataclass
class EpochRecord:
    epoch: int
    steps: int
    train_loss: float
    validation_loss: float
    validation_joint_rms_mrad: float
    seconds: float


@dataclass
class TrainResult:
    model: object                     # PolicyMLP
    history: list[EpochRecord]
    train_rows: int
    validation_rows: int
    validation_seeds: list[int]
    steps: int
    seconds: float


HELD_OUT_SOURCES = ("expert", "relabel")


def split_by_seed(dataset, fraction: float):
    """Row indices for training and validation: in each dataset (a DAgger round), the last
    `fraction` of the expert or planner-relabelled worlds (by seed) are held out whole, as the Swift
    trainer does; takeover episodes always train."""
    held: set[tuple[int, int]] = set()
    for n in sorted({int(e.get("dataset", 0)) for e in dataset.episodes}):
        seeds = sorted({int(e.get("seed", i)) for i, e in enumerate(dataset.episodes)
                        if e.get("source", "expert") in HELD_OUT_SOURCES and int(e.get("dataset", 0)) == n})
        count = max(1, int(round(len(seeds) * fraction))) if fraction > 0 and len(seeds) > 1 else 0
        held |= {(n, s) for s in seeds[len(seeds) - count:]} if count else set()
    validation_episode = np.array(
        [e.get("source", "expert") in HELD_OUT_SOURCES and (int(e.get("dataset", 0)), int(e.get("seed", i))) in held
         for i, e in enumerate(dataset.episodes)], dtype=bool)
    is_validation = validation_episode[dataset.episode_index]
    return np.flatnonzero(~is_validation), np.flatnonzero(is_validation), sorted(s for _, s in held)


def train(dataset, config: TrainConfig) -> TrainResult:
    import torch

    import policy_mlp

    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(config.threads)
    generator = torch.Generator().manual_seed(config.seed)

    train_rows, validation_rows, held = split_by_seed(dataset, config.validation_fraction)
    if len(train_rows) == 0:
        raise policy_dataset.DatasetError("no training frames left after holding out the validation worlds")
    x_all = torch.from_numpy(dataset.observations)
    y_all = torch.from_numpy(dataset.actions)
    sizes = [x_all.shape[1], *config.hidden, y_all.shape[1]]
    if config.init_from:
        try:
            model, start_meta = policy_mlp.load(config.init_from)
        except (OSError, ValueError, KeyError) as error:
            raise policy_dataset.DatasetError(f"--init-from {config.init_from}: {error}") from None
        if model.layer_sizes != sizes or model.activation_name != config.activation or \
                start_meta.get("feature_version", dataset.feature_version) != dataset.feature_version:
            raise policy_dataset.DatasetError(
                f"--init-from {config.init_from}: layers {model.layer_sizes} {model.activation_name}, features "
                f"{start_meta.get('feature_version')}; this training needs {sizes} {config.activation}, "
                f"{dataset.feature_version}")
        # Its normalisation stays: the weights were fitted to it.
    else:
        model = policy_mlp.PolicyMLP(sizes, config.activation)
        in_mean, in_std, out_mean, out_std = policy_mlp.normalisation(
            dataset.observations[train_rows], dataset.actions[train_rows], dataset.values_per_step)
        with torch.no_grad():
            for name, value in (("input_mean", in_mean), ("input_std", in_std), ("output_mean", out_mean),
                                ("output_std", out_std)):
                getattr(model, name).copy_(torch.from_numpy(value))
        policy_mlp.initialise(model, generator)

    x_n = (x_all - model.input_mean) / model.input_std
    y_n = (y_all - model.output_mean) / model.output_std
    train_index = torch.from_numpy(train_rows)
    validation_index = torch.from_numpy(validation_rows)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    batches_per_epoch = math.ceil(len(train_rows) / config.batch_size)
    total = batches_per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    floor = config.final_learning_rate_fraction
    joint_columns = torch.tensor([c for c in range(y_all.shape[1]) if c % dataset.values_per_step < len(dataset.joint_names)])
    # Per-output loss weights, averaging 1: the first executed steps weigh `first_steps_weight`.
    weights = torch.ones(y_all.shape[1])
    if config.first_steps > 0 and config.first_steps_weight != 1.0:
        weights[:min(config.first_steps, dataset.chunk_steps) * dataset.values_per_step] = config.first_steps_weight
    weights = weights / weights.mean()
    # Per-frame weights by cycle step, averaging 1 over the training frames.
    frame_weight = torch.ones(len(dataset.observations))
    for name, w in config.step_weights.items():
        column = f"cycle_step.{name}"
        if column not in dataset.state_names:
            raise policy_dataset.DatasetError(f"--step-weight {name}: no feature {column!r} in observation.state")
        frame_weight[torch.from_numpy(dataset.observations[:, dataset.state_names.index(column)] > 0.5)] = w
    frame_weight = frame_weight / frame_weight[torch.from_numpy(train_rows)].mean()
    # Input noise (normalised units) per feature column; x_n is normalised, so sigma is in stds.
    noise_sigma = torch.zeros(len(dataset.state_names))
    for prefix, sigma in config.feature_noise.items():
        matched = [i for i, name in enumerate(dataset.state_names) if name.startswith(prefix)]
        if not matched:
            raise policy_dataset.DatasetError(f"--feature-noise {prefix}: no feature of observation.state starts with {prefix!r}")
        noise_sigma[matched] = sigma
    noise_columns = torch.nonzero(noise_sigma > 0).flatten()

    def evaluate(rows):
        if len(rows) == 0:
            return float("nan"), float("nan")
        with torch.no_grad():
            z = torch.cat([model.normalised(x_n[rows[i:i + 4096]]) for i in range(0, len(rows), 4096)])
            loss = torch.mean((z - y_n[rows]) ** 2).item()
            raw = z * model.output_std + model.output_mean
            joint_rms = torch.sqrt(torch.mean((raw[:, joint_columns] - y_all[rows][:, joint_columns]) ** 2)).item()
        return loss, joint_rms * 1000

    history: list[EpochRecord] = []
    started = time.monotonic()
    step = 0
    last_progress = 0.0
    epoch = 0
    while step < total:
        epoch += 1
        epoch_started = time.monotonic()
        order = train_index[torch.randperm(len(train_index), generator=generator)]
        total_loss, seen = 0.0, 0
        model.train()
        for b in range(batches_per_epoch):
            if step >= total:
                break
            rows = order[b * config.batch_size:(b + 1) * config.batch_size]
            lr = config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * step / total)))
            for group in optimiser.param_groups:
                group["lr"] = lr
            optimiser.zero_grad(set_to_none=True)
            x = x_n[rows]
            if len(noise_columns):
                x = x.clone()
                x[:, noise_columns] += noise_sigma[noise_columns] * torch.randn(
                    (len(rows), len(noise_columns)), generator=generator)
            loss = torch.mean(frame_weight[rows, None] * weights * (model.normalised(x) - y_n[rows]) ** 2)
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(rows)
            seen += len(rows)
            step += 1
            now = time.monotonic()
            if config.progress and (now - last_progress > 0.5 or step == total):
                last_progress = now
                rate = step / max(now - started, 1e-9)
                print(f"\r[train] epoch {epoch} step {step}/{total} loss {total_loss / seen:.4f} lr {lr:.2e} "
                      f"{rate:.0f} steps/s eta {(total - step) / max(rate, 1e-9):.0f} s   ",
                      end="", file=sys.stderr, flush=True)
        model.eval()
        validation, joint_mrad = evaluate(validation_index)
        record = EpochRecord(epoch, step, total_loss / max(seen, 1), validation, joint_mrad, time.monotonic() - epoch_started)
        history.append(record)
        if config.progress:
            print(f"\r[train] epoch {epoch}: train MSE {record.train_loss:.4f}, validation MSE {validation:.4f}, "
                  f"validation joint RMS {joint_mrad:.2f} mrad ({record.seconds:.1f} s, step {step}/{total})   ",
                  file=sys.stderr, flush=True)
    return TrainResult(model, history, len(train_rows), len(validation_rows), held, step, time.monotonic() - started)


def metadata_for(dataset, result: TrainResult, config: TrainConfig, version: str, dataset_name: str) -> dict[str, str]:
    import torch

    import policy_mlp

    provenance = dataset.info.get("workcell", {}).get("provenance", {})
    meta = policy_mlp.architecture_metadata(
        result.model, version=version, chunk_steps=dataset.chunk_steps, step_period_ms=dataset.step_period_ms,
        joint_names=dataset.joint_names, gripper_names=dataset.gripper_names,
        feature_version=dataset.feature_version)
    meta.update({
        "trained_by": f"training/train_policy.py (PyTorch {torch.__version__})",
        "dataset": dataset_name,
        "train_seeds": str(provenance.get("train_seeds", "")),
        "cycles_per_seed": str(provenance.get("cycles_per_seed", "")),
        "samples": str(len(dataset.observations)),
        "epochs": str(len(result.history)),
        "steps": str(result.steps),
        "seed": str(config.seed),
        "target": "joint targets relative to the observed joints (rad), gripper width (m), grip force (N)",
    })
    if config.init_from:
        meta["init_from"] = os.path.basename(config.init_from)
    if config.feature_noise:
        meta["feature_noise"] = ",".join(f"{p}={s}" for p, s in sorted(config.feature_noise.items()))
    return meta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="train_policy.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, action="append",
                        help="LeRobot v3.0 dataset directory (workcell-train --export-dataset); repeat it to train on "
                             "several (DAgger's aggregate over rounds)")
    parser.add_argument("--out", default="models/policy", help="directory for the model, card and plot (default models/policy)")
    parser.add_argument("--version", default="wc-mlp-torch-1", help="model version and file base name (default wc-mlp-torch-1)")
    parser.add_argument("--hidden", default="256,256", help="hidden widths, comma-separated (default 256,256)")
    parser.add_argument("--activation", default="gelu", choices=["relu", "gelu", "tanh"], help="default gelu (tanh approximation)")
    parser.add_argument("--epochs", type=int, default=16, help="passes over the training frames (default 16)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many minibatches (0 = all epochs; a smoke run)")
    parser.add_argument("--batch-size", type=int, default=256, help="minibatch rows (default 256)")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's initial rate, cosine-decayed to 5%% (default 0.001)")
    parser.add_argument("--validation-fraction", type=float, default=0.15,
                        help="share of the expert worlds (by seed) held out whole for validation (default 0.15)")
    parser.add_argument("--seed", type=int, default=1, help="initialisation and shuffling seed (default 1)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1; the same seed gives the same weights for the same threads)")
    parser.add_argument("--first-steps", type=int, default=0,
                        help="with --first-steps-weight: how many leading chunk steps weigh more (default 0 = none)")
    parser.add_argument("--first-steps-weight", type=float, default=1.0,
                        help="loss weight of the first --first-steps steps against 1 for the rest (default 1)")
    parser.add_argument("--step-weight", action="append", default=[], metavar="STEP=W",
                        help="loss weight of the frames in one cycle step, e.g. insert=4 (repeatable; default 1)")
    parser.add_argument("--feature-noise", action="append", default=[], metavar="PREFIX=SIGMA",
                        help="Gaussian noise on the training inputs whose feature name starts with PREFIX, SIGMA in "
                             "units of each feature's standard deviation over the training frames, drawn per minibatch "
                             "from the --seed generator (deterministic), e.g. tracked.=0.3 for the tracked chunk "
                             "(repeatable; default none; validation frames stay clean)")
    parser.add_argument("--init-from", default="", metavar="MODEL",
                        help="start from this model file's weights and normalisation (same layers, activation and "
                             "feature version) instead of a fresh network: a DAgger round that continues the last "
                             "student; pair with a lower --learning-rate and fewer --epochs (default: fresh)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    args = parser.parse_args(argv)

    try:
        hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
        if not hidden or min(hidden) <= 0:
            raise ValueError
    except ValueError:
        parser.error(f"--hidden {args.hidden}: expected positive widths like 256,256")
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size), ("--threads", args.threads)):
        if value < 1:
            parser.error(f"{flag} {value}: expected ≥ 1")
    step_weights = {}
    for item in args.step_weight:
        name, _, value = item.partition("=")
        try:
            step_weights[name.strip()] = float(value)
            if step_weights[name.strip()] <= 0:
                raise ValueError
        except ValueError:
            parser.error(f"--step-weight {item}: expected STEP=W with W > 0, e.g. insert=4")
    feature_noise = {}
    for item in args.feature_noise:
        prefix, _, value = item.partition("=")
        try:
            feature_noise[prefix.strip()] = float(value)
            if not prefix.strip() or feature_noise[prefix.strip()] <= 0:
                raise ValueError
        except ValueError:
            parser.error(f"--feature-noise {item}: expected PREFIX=SIGMA with SIGMA > 0, e.g. tracked.=0.3")
    config = TrainConfig(hidden=hidden, activation=args.activation, epochs=args.epochs, max_steps=args.max_steps,
                         batch_size=args.batch_size, learning_rate=args.learning_rate,
                         validation_fraction=args.validation_fraction, seed=args.seed, threads=args.threads,
                         progress=not args.quiet, first_steps=args.first_steps,
                         first_steps_weight=args.first_steps_weight, step_weights=step_weights,
                         feature_noise=feature_noise, init_from=args.init_from)
    started = time.monotonic()
    loaded = []
    for path in args.dataset:
        try:
            loaded.append(policy_dataset.load(path))
        except policy_dataset.DatasetError as error:
            print(f"train_policy: refused dataset {path}: {error}", file=sys.stderr)
            return 1
    try:
        dataset = policy_dataset.concatenate(loaded)
    except policy_dataset.DatasetError as error:
        print(f"train_policy: refused datasets: {error}", file=sys.stderr)
        return 1
    dataset_names = ",".join(os.path.basename(os.path.normpath(p)) for p in args.dataset)
    print(f"[train] {len(dataset.observations)} frames, {len(dataset.episodes)} episodes from {dataset_names} "
          f"({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
    try:
        result = train(dataset, config)
    except policy_dataset.DatasetError as error:
        print(f"train_policy: refused dataset {dataset_names}: {error}", file=sys.stderr)
        return 1

    import model_card
    import policy_mlp
    import torch

    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.version)
    metadata = metadata_for(dataset, result, config, args.version, dataset_names)
    policy_mlp.save(result.model, base + ".safetensors", metadata)
    # Self-check of the written layout from Python (the Swift side is training/tests/test_parity.py).
    reloaded, _ = policy_mlp.load(base + ".safetensors")
    probe = torch.from_numpy(dataset.observations[:256])
    with torch.no_grad():
        drift = (reloaded(probe) - result.model(probe)).abs().max().item()
    if drift > 1e-5:
        print(f"train_policy: the written model differs from the trained one by {drift}", file=sys.stderr)
        return 1
    model_card.plot_losses(base + ".losses.png", result.history, args.version)
    model_card.write(base + ".md", dataset=dataset, result=result, config=config,
                     metadata=metadata, file_bytes=os.path.getsize(base + ".safetensors"),
                     wall_seconds=time.monotonic() - started, plot_name=os.path.basename(base) + ".losses.png")
    print(f"[train] wrote {base}.safetensors, {base}.md, {base}.losses.png in {time.monotonic() - started:.1f} s",
          file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
