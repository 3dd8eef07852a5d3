#!/usr/bin/env python3
"""Writes a LeRobot v3.0 dataset from the staging directory `workcell-train --export-dataset`
leaves (manifest.json, observation.f32, action.f32), with pyarrow. workcell-train runs it; it can
also run on its own:

    python training/write_dataset.py --from STAGING --to DATASET

One frame per training sample (docs/policy.md "Training with PyTorch"):
  observation.state  float32 x 41   the policy features (PolicyFeatures), names and feature_version in info.json
  action             float32 x 270  the label chunk flattened: per step 7 joint targets relative to
                                    the observed joints (rad), gripper width (m), grip force (N)
One episode per recorded cycle, and one for its perturbed copies; meta/episodes names each one's
world seed, source (expert / takeover), whether it holds perturbed copies, the expert's outcome
and the feature_version. The layout (paths, stats, tasks) is the one scripts/lerobot_export.py
writes for the cell's episodes.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import lerobot_export  # noqa: E402  (the layout constants and per-feature statistics)

STAGING_FORMAT = "workcell-train-staging/1"
TASK = "Pick a self-tapping nut from the feeder and place it on the fixture's pin, spline aligned."


def fail(message):
    print(f"write_dataset: error: {message}", file=sys.stderr)
    sys.exit(1)


def write(staging, target):
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(os.path.join(staging, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("format") != STAGING_FORMAT:
        fail(f"{staging}/manifest.json is not {STAGING_FORMAT}")
    state_names, action_names = manifest["state_names"], manifest["action_names"]
    n_state, n_action = len(state_names), len(action_names)
    observation = np.fromfile(os.path.join(staging, "observation.f32"), dtype="<f4")
    action = np.fromfile(os.path.join(staging, "action.f32"), dtype="<f4")
    frames = manifest["frames"]
    if observation.size != frames * n_state or action.size != frames * n_action:
        fail(f"staging files hold {observation.size} / {action.size} floats; the manifest says {frames} frames")
    observation = observation.reshape(frames, n_state)
    action = action.reshape(frames, n_action)
    fps = manifest["fps"]
    episodes = manifest["episodes"]

    frame_index, episode_index, done = [], [], []
    episode_rows = []
    start = 0
    for e_index, e in enumerate(episodes):
        length = e["length"]
        frame_index.extend(range(length))
        episode_index.extend([e_index] * length)
        done.extend([False] * (length - 1) + [True])
        episode_rows.append({
            "episode_index": e_index,
            "tasks": [TASK],
            "length": length,
            "data/chunk_index": 0,
            "data/file_index": 0,
            "dataset_from_index": start,
            "dataset_to_index": start + length,
            "meta/episodes/chunk_index": 0,
            "meta/episodes/file_index": 0,
            "seed": int(e["seed"]),
            "cycle_in_seed": int(e["cycle_in_seed"]),
            "source": e["source"],
            "perturbed": bool(e["perturbed"]),
            "outcome": e["outcome"],
            "feature_version": e["feature_version"],
        })
        start += length
    if start != frames:
        fail(f"episodes cover {start} frames; the manifest says {frames}")
    frame_index = np.asarray(frame_index, dtype=np.int64)
    episode_index = np.asarray(episode_index, dtype=np.int64)
    done = np.asarray(done, dtype=bool)
    reward = np.zeros(frames, dtype=np.float32)
    for row in episode_rows:
        if row["outcome"] == "fastened" and not row["perturbed"]:
            reward[row["dataset_to_index"] - 1] = 1.0
    timestamp = (frame_index / fps).astype(np.float32)

    def fixed(values, width):
        return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1), type=pa.float32()), width)

    table = pa.table({
        "observation.state": fixed(observation, n_state),
        "action": fixed(action, n_action),
        "timestamp": pa.array(timestamp),
        "frame_index": pa.array(frame_index),
        "episode_index": pa.array(episode_index),
        "index": pa.array(np.arange(frames, dtype=np.int64)),
        "task_index": pa.array(np.zeros(frames, dtype=np.int64)),
        "next.done": pa.array(done),
        "next.reward": pa.array(reward),
    })
    os.makedirs(target, exist_ok=True)
    data_path = os.path.join(target, lerobot_export.DATA_PATH.format(chunk_index=0, file_index=0))
    os.makedirs(os.path.dirname(data_path), exist_ok=True)
    pq.write_table(table, data_path)

    by_feature = {
        "observation.state": observation, "action": action, "timestamp": timestamp, "frame_index": frame_index,
        "episode_index": episode_index, "index": np.arange(frames), "task_index": np.zeros(frames),
        "next.reward": reward,
    }
    for row in episode_rows:
        sl = slice(row["dataset_from_index"], row["dataset_to_index"])
        for feature, values in by_feature.items():
            for stat, value in lerobot_export.feature_stats(np, values[sl]).items():
                row[f"stats/{feature}/{stat}"] = value
    episodes_path = os.path.join(target, lerobot_export.EPISODES_PATH.format(chunk_index=0, file_index=0))
    os.makedirs(os.path.dirname(episodes_path), exist_ok=True)
    pd.DataFrame(episode_rows).to_parquet(episodes_path, index=False)
    pd.DataFrame({"task_index": [0]}, index=pd.Index([TASK], name="task")).to_parquet(
        os.path.join(target, "meta", "tasks.parquet"))
    with open(os.path.join(target, "meta", "stats.json"), "w") as f:
        json.dump({k: lerobot_export.feature_stats(np, v) for k, v in by_feature.items()}, f, indent=2)

    def scalar(dtype):
        return {"dtype": dtype, "shape": [1], "names": None}

    info = {
        "codebase_version": lerobot_export.CODEBASE_VERSION,
        "robot_type": "workcell_humanoid_right_arm",
        "total_episodes": len(episodes),
        "total_frames": frames,
        "total_tasks": 1,
        "chunks_size": lerobot_export.CHUNKS_SIZE,
        "data_files_size_in_mb": max(100, math.ceil(os.path.getsize(data_path) / 1e6)),
        "video_files_size_in_mb": 500,
        "fps": fps,
        "splits": {"train": f"0:{len(episodes)}"},
        "data_path": lerobot_export.DATA_PATH,
        "video_path": None,
        "features": {
            "observation.state": {
                "dtype": "float32", "shape": [n_state], "names": state_names,
                "feature_version": manifest["feature_version"],
            },
            "action": {
                "dtype": "float32", "shape": [n_action], "names": action_names,
                "chunk_steps": manifest["chunk_steps"], "step_period_ms": manifest["step_period_ms"],
            },
            "timestamp": scalar("float32"),
            "frame_index": scalar("int64"),
            "episode_index": scalar("int64"),
            "index": scalar("int64"),
            "task_index": scalar("int64"),
            "next.done": scalar("bool"),
            "next.reward": scalar("float32"),
        },
        "workcell": {
            "feature_version": manifest["feature_version"],
            "chunk_steps": manifest["chunk_steps"],
            "step_period_ms": manifest["step_period_ms"],
            "joint_names": manifest["joint_names"],
            "gripper_names": manifest["gripper_names"],
            "provenance": manifest["provenance"],
        },
    }
    with open(os.path.join(target, "meta", "info.json"), "w") as f:
        json.dump(info, f, indent=2)
    return frames, len(episodes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="staging", required=True, help="the staging directory workcell-train wrote")
    parser.add_argument("--to", dest="target", required=True, help="the dataset directory (new or empty)")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.staging, "manifest.json")):
        fail(f"--from {args.staging} has no manifest.json")
    if os.path.exists(args.target) and os.listdir(args.target):
        fail(f"--to {args.target} exists and is not empty; write into a new directory")
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as error:
        fail(f"{error}: writing the dataset needs numpy, pandas and pyarrow (scripts/python-env.sh installs them into .venv)")
    started = time.monotonic()
    partial = args.target.rstrip("/") + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    frames, episodes = write(args.staging, partial)
    if os.path.exists(args.target):
        os.rmdir(args.target)
    os.rename(partial, args.target)
    print(f"[write_dataset] {episodes} episodes, {frames} frames → {args.target} in {time.monotonic() - started:.2f} s",
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
