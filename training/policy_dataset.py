"""Reads a LeRobot v3.0 dataset of (policy features -> expert chunk label) frames, as
`workcell-train --export-dataset` writes it (docs/policy.md "Training with PyTorch"), and refuses
bad input with a `DatasetError` that names the file, the column and the episode: a missing
column, a NaN or infinite value, a feature version the Swift runtime does not read, widths that
do not match the names.
"""
from __future__ import annotations

import glob
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

# The feature encodings the Swift runtime reads (Shared/PolicyRuntime/PolicyFeatureVersion.swift),
# with their widths; a model file names its own and the runtime refuses any other.
RUNTIME_FEATURE_COUNTS = {"wc-features-2": 41, "wc-features-3": 65}
RUNTIME_FEATURE_VERSION = "wc-features-2"
RUNTIME_FEATURE_COUNT = RUNTIME_FEATURE_COUNTS[RUNTIME_FEATURE_VERSION]
REQUIRED_DATA_COLUMNS = ("observation.state", "action", "episode_index", "frame_index")
REQUIRED_EPISODE_COLUMNS = ("episode_index", "dataset_from_index", "dataset_to_index")


class DatasetError(ValueError):
    """A dataset the trainer will not train on; the message says where and why."""


@dataclass
class PolicyDataset:
    observations: np.ndarray          # [frames, features] float32, raw features
    actions: np.ndarray               # [frames, chunk_steps * values_per_step] float32, raw labels
    episode_index: np.ndarray         # [frames] int64
    episodes: list[dict]              # meta/episodes rows (seed, source, perturbed, outcome, ...)
    info: dict                        # meta/info.json
    state_names: list[str]
    action_names: list[str]
    chunk_steps: int
    step_period_ms: int
    joint_names: list[str]
    gripper_names: list[str]
    files: list[str] = field(default_factory=list)
    feature_version: str = RUNTIME_FEATURE_VERSION

    @property
    def values_per_step(self) -> int:
        return len(self.joint_names) + 2 * len(self.gripper_names)

    def episode_name(self, index: int) -> str:
        """`episode 3 (seed 2, expert, cycle 1)` as far as meta/episodes says."""
        meta = self.episodes[index] if 0 <= index < len(self.episodes) else {}
        parts = [f"seed {meta['seed']}" if "seed" in meta else None,
                 (meta.get("source", "") + (" perturbed copies" if meta.get("perturbed") else "")) or None,
                 f"cycle {meta['cycle_in_seed']}" if "cycle_in_seed" in meta else None]
        detail = ", ".join(p for p in parts if p)
        return f"episode {index}" + (f" ({detail})" if detail else "")


def _read_json(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise DatasetError(f"{path} is missing: not a LeRobot v3.0 dataset directory") from None
    except ValueError as error:
        raise DatasetError(f"{path} is not JSON: {error}") from None


def load(root: str, *, runtime_feature_versions=tuple(RUNTIME_FEATURE_COUNTS)) -> PolicyDataset:
    """The whole dataset in memory, checked; raises DatasetError on bad input."""
    import pyarrow.parquet as pq

    info_path = os.path.join(root, "meta", "info.json")
    info = _read_json(info_path)
    if info.get("codebase_version") != "v3.0":
        raise DatasetError(f"{info_path}: codebase_version is {info.get('codebase_version')!r}, expected 'v3.0'")
    features = info.get("features", {})
    for column in ("observation.state", "action"):
        if column not in features:
            raise DatasetError(f"{info_path}: features has no column {column!r} (every episode needs it)")
    state_feature, action_feature = features["observation.state"], features["action"]
    workcell = info.get("workcell", {})
    version = state_feature.get("feature_version", workcell.get("feature_version"))
    if version not in runtime_feature_versions:
        raise DatasetError(
            f"{info_path}: column 'observation.state' has feature_version {version!r} (all episodes); the Swift "
            f"runtime reads {' and '.join(repr(v) for v in runtime_feature_versions)} only. Re-export the dataset "
            f"with this workcell-train.")
    runtime_feature_version = version
    state_names = list(state_feature.get("names") or [])
    action_names = list(action_feature.get("names") or [])
    width = RUNTIME_FEATURE_COUNTS[version]
    if len(state_names) != width or list(state_feature.get("shape", [])) != [len(state_names)]:
        raise DatasetError(
            f"{info_path}: column 'observation.state' has shape {state_feature.get('shape')} and {len(state_names)} "
            f"names; features {version} have {width}")
    chunk_steps = int(action_feature.get("chunk_steps", workcell.get("chunk_steps", 0)))
    step_period_ms = int(action_feature.get("step_period_ms", workcell.get("step_period_ms", 0)))
    joint_names = list(workcell.get("joint_names", []))
    gripper_names = list(workcell.get("gripper_names", []))
    per_step = len(joint_names) + 2 * len(gripper_names)
    if chunk_steps <= 0 or step_period_ms <= 0 or per_step == 0 or len(action_names) != chunk_steps * per_step:
        raise DatasetError(
            f"{info_path}: column 'action' has {len(action_names)} names; chunk_steps {chunk_steps} × "
            f"({len(joint_names)} joints + 2 × {len(gripper_names)} grippers) would need {chunk_steps * per_step}")

    episodes_files = sorted(glob.glob(os.path.join(root, "meta", "episodes", "chunk-*", "file-*.parquet")))
    if not episodes_files:
        raise DatasetError(f"{root}/meta/episodes/chunk-*/file-*.parquet: no episode table")
    episodes: list[dict] = []
    for path in episodes_files:
        table = pq.read_table(path)
        for column in REQUIRED_EPISODE_COLUMNS:
            if column not in table.column_names:
                raise DatasetError(f"{path}: no column {column!r} (every episode needs it)")
        episodes.extend(table.to_pylist())
    episodes.sort(key=lambda e: e["episode_index"])
    for position, e in enumerate(episodes):
        if e["episode_index"] != position:
            raise DatasetError(f"meta/episodes: episode_index {e['episode_index']} where {position} was expected")
        if "feature_version" in e and e["feature_version"] != runtime_feature_version:
            raise DatasetError(
                f"meta/episodes: column 'feature_version' is {e['feature_version']!r} in episode {position}; the "
                f"dataset's observation.state is {runtime_feature_version!r}")

    data_files = sorted(glob.glob(os.path.join(root, "data", "chunk-*", "file-*.parquet")))
    if not data_files:
        raise DatasetError(f"{root}/data/chunk-*/file-*.parquet: no data files")
    observations, actions, episode_index = [], [], []
    for path in data_files:
        table = pq.read_table(path)
        present = set(table.column_names)
        for column in REQUIRED_DATA_COLUMNS:
            if column not in present:
                where = "every episode"
                if "episode_index" in present and table.num_rows:
                    ids = np.unique(table.column("episode_index").to_numpy())
                    where = f"episodes {ids[0]}…{ids[-1]} (first: {_name(episodes, int(ids[0]))})"
                raise DatasetError(f"{os.path.relpath(path, root)}: no column {column!r}, needed by {where}")
        ids = table.column("episode_index").to_numpy().astype(np.int64)
        observations.append(_matrix(table, "observation.state", len(state_names), path, root, ids, episodes))
        actions.append(_matrix(table, "action", len(action_names), path, root, ids, episodes))
        episode_index.append(ids)
    dataset = PolicyDataset(
        observations=np.concatenate(observations), actions=np.concatenate(actions),
        episode_index=np.concatenate(episode_index), episodes=episodes, info=info, state_names=state_names,
        action_names=action_names, chunk_steps=chunk_steps, step_period_ms=step_period_ms,
        joint_names=joint_names, gripper_names=gripper_names, files=data_files, feature_version=version)
    _check_finite(dataset, frame_index=np.concatenate(
        [pq.read_table(p, columns=["frame_index"]).column(0).to_numpy() for p in data_files]))
    if len(episodes) and dataset.episode_index.max() >= len(episodes):
        raise DatasetError(f"data: episode_index {dataset.episode_index.max()} has no row in meta/episodes")
    return dataset


def _name(episodes: list[dict], index: int) -> str:
    meta = episodes[index] if 0 <= index < len(episodes) else {}
    detail = ", ".join(str(p) for p in (f"seed {meta['seed']}" if "seed" in meta else None, meta.get("source")) if p)
    return f"episode {index}" + (f" ({detail})" if detail else "")


def _matrix(table, column, width, path, root, ids, episodes) -> np.ndarray:
    import pyarrow as pa

    array = table.column(column).combine_chunks()
    if isinstance(array.type, pa.FixedSizeListType):
        if array.type.list_size != width:
            raise DatasetError(f"{os.path.relpath(path, root)}: column {column!r} has {array.type.list_size} values per frame; "
                               f"info.json names {width}")
        if array.null_count:
            row = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
            raise DatasetError(f"{os.path.relpath(path, root)}: column {column!r} is null in {_name(episodes, int(ids[row]))}")
        return array.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, width)
    values = array.to_pylist()
    for row, v in enumerate(values):
        if v is None or len(v) != width:
            raise DatasetError(f"{os.path.relpath(path, root)}: column {column!r} has {0 if v is None else len(v)} values "
                               f"in {_name(episodes, int(ids[row]))}, frame row {row}; info.json names {width}")
    return np.asarray(values, dtype=np.float32).reshape(-1, width)


def _check_finite(d: PolicyDataset, frame_index: np.ndarray) -> None:
    for column, matrix, names in (("observation.state", d.observations, d.state_names),
                                  ("action", d.actions, d.action_names)):
        bad = ~np.isfinite(matrix)
        if bad.any():
            row, col = (int(x) for x in np.argwhere(bad)[0])
            count = int(bad.any(axis=1).sum())
            value = matrix[row, col]
            raise DatasetError(
                f"column {column!r} [{names[col]}] is {'NaN' if math.isnan(value) else value} in "
                f"{d.episode_name(int(d.episode_index[row]))}, frame {int(frame_index[row])} "
                f"({count} frame{'s' if count != 1 else ''} in all with a non-finite {column}); fix or drop the episode")


def concatenate(datasets: list[PolicyDataset]) -> PolicyDataset:
    """Several datasets as one (DAgger's aggregate over rounds): the same features, chunk layout and
    names, episodes renumbered in order; each episode keeps which dataset it came from (`dataset`)."""
    first = datasets[0]
    for d in datasets[1:]:
        for what, a, b in (("feature_version", first.feature_version, d.feature_version),
                           ("observation.state names", first.state_names, d.state_names),
                           ("action names", first.action_names, d.action_names),
                           ("step_period_ms", first.step_period_ms, d.step_period_ms)):
            if a != b:
                raise DatasetError(f"{d.files[0] if d.files else 'a dataset'}: {what} differ from the first dataset's; "
                                   "train on datasets of one export layout")
    if len(datasets) == 1:
        for e in first.episodes:
            e.setdefault("dataset", 0)
        return first
    episodes, index, offset = [], [], 0
    for n, d in enumerate(datasets):
        for e in d.episodes:
            e = dict(e)
            e["dataset"] = n
            e["episode_index"] = int(e["episode_index"]) + offset
            episodes.append(e)
        index.append(d.episode_index + offset)
        offset += len(d.episodes)
    return PolicyDataset(
        observations=np.concatenate([d.observations for d in datasets]),
        actions=np.concatenate([d.actions for d in datasets]), episode_index=np.concatenate(index),
        episodes=episodes, info=first.info, state_names=first.state_names, action_names=first.action_names,
        chunk_steps=first.chunk_steps, step_period_ms=first.step_period_ms, joint_names=first.joint_names,
        gripper_names=first.gripper_names, files=[f for d in datasets for f in d.files],
        feature_version=first.feature_version)
