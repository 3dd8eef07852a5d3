"""Bad input (issue #18 item 5): a dataset with a missing column, a NaN, or a feature version the
Swift runtime does not read is refused, with the column and the episode named."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import policy_dataset
import train_policy

DATA = "data/chunk-000/file-000.parquet"
EPISODES = "meta/episodes/chunk-000/file-000.parquet"


def refused(path) -> str:
    with pytest.raises(policy_dataset.DatasetError) as error:
        policy_dataset.load(str(path))
    return str(error.value)


def test_the_exported_dataset_is_accepted(dataset_dir):
    d = policy_dataset.load(str(dataset_dir))
    assert d.observations.shape[1] == 41 and d.actions.shape[1] == 270
    assert np.isfinite(d.observations).all() and np.isfinite(d.actions).all()


def test_missing_action_column_names_the_column_and_the_episodes(dataset_copy):
    path = dataset_copy / DATA
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["action"]), path)
    message = refused(dataset_copy)
    assert "'action'" in message
    assert "episode 0" in message and "seed 1" in message
    assert DATA in message


def test_missing_column_in_info_json_is_refused(dataset_copy):
    info_path = dataset_copy / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    del info["features"]["observation.state"]
    info_path.write_text(json.dumps(info))
    message = refused(dataset_copy)
    assert "'observation.state'" in message and "info.json" in message


def test_nan_names_the_column_the_feature_the_episode_and_the_frame(dataset_copy):
    path = dataset_copy / DATA
    table = pq.read_table(path)
    episode = table.column("episode_index").to_numpy()
    frame = table.column("frame_index").to_numpy()
    row = int(np.flatnonzero((episode == 1) & (frame == 7))[0])
    state = table.column("observation.state").combine_chunks()
    values = state.flatten().to_numpy().copy()
    values[row * 41 + 9] = np.nan  # nut.y_m
    column = pa.FixedSizeListArray.from_arrays(pa.array(values, type=pa.float32()), 41)
    table = table.set_column(table.column_names.index("observation.state"), "observation.state", column)
    pq.write_table(table, path)
    message = refused(dataset_copy)
    assert "'observation.state'" in message and "[nut.y_m]" in message and "NaN" in message
    assert "episode 1 (" in message and "frame 7" in message


def test_nan_in_the_label_is_refused_too(dataset_copy):
    path = dataset_copy / DATA
    table = pq.read_table(path)
    values = table.column("action").combine_chunks().flatten().to_numpy().copy()
    last_row = table.num_rows - 1
    values[last_row * 270 + 269] = np.inf
    column = pa.FixedSizeListArray.from_arrays(pa.array(values, type=pa.float32()), 270)
    pq.write_table(table.set_column(table.column_names.index("action"), "action", column), path)
    message = refused(dataset_copy)
    last_episode = int(table.column("episode_index").to_numpy()[-1])
    assert "'action'" in message and "step_29.right_gripper.force_n" in message
    assert f"episode {last_episode} (" in message


def test_a_feature_version_the_runtime_does_not_read_is_refused(dataset_copy):
    info_path = dataset_copy / "meta" / "info.json"
    info = json.loads(info_path.read_text())
    info["features"]["observation.state"]["feature_version"] = "wc-features-1"
    info_path.write_text(json.dumps(info))
    message = refused(dataset_copy)
    assert "'observation.state'" in message and "'wc-features-1'" in message and "'wc-features-2'" in message
    assert "all episodes" in message


def test_one_episode_with_another_feature_version_is_named(dataset_copy):
    path = dataset_copy / EPISODES
    table = pq.read_table(path)
    versions = table.column("feature_version").to_pylist()
    versions[2] = "wc-features-3"
    table = table.set_column(table.column_names.index("feature_version"), "feature_version", pa.array(versions))
    pq.write_table(table, path)
    message = refused(dataset_copy)
    assert "'feature_version'" in message and "episode 2" in message and "'wc-features-3'" in message


def test_the_trainer_command_exits_1_with_the_reason(dataset_copy, tmp_path, capsys):
    path = dataset_copy / DATA
    pq.write_table(pq.read_table(path).drop_columns(["observation.state"]), path)
    status = train_policy.main(["--dataset", str(dataset_copy), "--out", str(tmp_path / "out"), "--quiet"])
    assert status == 1
    err = capsys.readouterr().err
    assert "refused dataset" in err and "'observation.state'" in err and "episode" in err
    assert not (tmp_path / "out").exists()
