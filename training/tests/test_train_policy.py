"""The trainer end to end on a small exported dataset: files in the Swift layout with the
metadata the runtime requires, a model card and plot, determinism by seed, and the dataset's
LeRobot v3.0 layout."""
from __future__ import annotations

import pytest

from conftest import TORCH_MISSING

pytest.importorskip("torch", reason=TORCH_MISSING)

import json

import numpy as np
import pyarrow.parquet as pq
import torch
from safetensors import safe_open

import policy_dataset
import policy_mlp
import train_policy
from conftest import run_swift


def test_the_export_is_a_lerobot_v3_dataset_of_features_and_chunks(dataset_dir):
    info = json.loads((dataset_dir / "meta" / "info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["fps"] == 50
    state, action = info["features"]["observation.state"], info["features"]["action"]
    assert state["shape"] == [41] and len(state["names"]) == 41 and state["names"][0] == "right_arm_joint_1.position_rad"
    assert state["feature_version"] == "wc-features-2"
    assert action["shape"] == [270] and action["names"][7] == "step_00.right_gripper.width_m"
    assert action["names"][-1] == "step_29.right_gripper.force_n"
    episodes = pq.read_table(dataset_dir / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    # 3 worlds × 1 cycle, each with its perturbed copies as a second episode of the same length.
    assert [(e["seed"], e["perturbed"]) for e in episodes] == [(s, p) for s in (1, 2, 3) for p in (False, True)]
    assert episodes[0]["length"] == episodes[1]["length"] > 100
    data = pq.read_table(dataset_dir / "data/chunk-000/file-000.parquet")
    assert data.num_rows == info["total_frames"] == sum(e["length"] for e in episodes)
    ep = data.column("episode_index").to_numpy()
    for e in episodes:
        rows = np.flatnonzero(ep == e["episode_index"])
        assert rows[0] == e["dataset_from_index"] and rows[-1] + 1 == e["dataset_to_index"]
    # A perturbed copy keeps its original's labels' gripper width and force, but not its joints.
    d = policy_dataset.load(str(dataset_dir))
    a, b = d.actions[episodes[0]["dataset_from_index"]], d.actions[episodes[1]["dataset_from_index"]]
    assert np.array_equal(a[7::9], b[7::9]) and not np.array_equal(a[0::9], b[0::9])


def test_the_command_writes_model_card_and_plot_the_swift_runtime_loads(dataset_dir, tmp_path):
    out = tmp_path / "models"
    status = train_policy.main(["--dataset", str(dataset_dir), "--out", str(out), "--version", "smoke-1",
                                "--max-steps", "30", "--quiet"])
    assert status == 0
    model = out / "smoke-1.safetensors"
    with safe_open(str(model), framework="numpy") as f:
        meta = f.metadata()
        assert list(f.get_tensor("layers.0.weight").shape) == [41, 256]
        assert list(f.get_tensor("layers.2.weight").shape) == [256, 270]
    assert meta["format"] == "workcell-policy-mlp" and meta["version"] == "smoke-1"
    assert meta["layer_sizes"] == "41,256,256,270" and meta["activation"] == "gelu"
    assert meta["feature_version"] == "wc-features-2" and meta["chunk_steps"] == "30" and meta["step_period_ms"] == "20"
    assert meta["joint_names"].split(",") == [f"right_arm_joint_{j}" for j in range(1, 8)]
    assert meta["gripper_names"] == "right_gripper" and meta["steps"] == "30"
    card = (out / "smoke-1.md").read_text()
    assert card.startswith("# Policy model card: smoke-1\n") and "| epoch | steps |" in card
    assert (out / "smoke-1.losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The Swift runtime loads it (PolicyModel(bytes:) validates metadata, names and shapes).
    np.save(tmp_path / "f.npy", policy_dataset.load(str(dataset_dir)).observations[:4])
    run_swift("--infer-features", str(tmp_path / "f.npy"), "--model", str(model), "--out", str(tmp_path / "o.npy"))
    assert np.load(tmp_path / "o.npy").shape == (4, 270)


def test_same_seed_same_weights_other_seed_other_weights(dataset_dir):
    d = policy_dataset.load(str(dataset_dir))

    def weights(seed):
        result = train_policy.train(d, train_policy.TrainConfig(max_steps=15, seed=seed, progress=False))
        return policy_mlp.swift_tensors(result.model), [h.train_loss for h in result.history]

    (a, loss_a), (b, loss_b), (c, _) = weights(3), weights(3), weights(4)
    assert loss_a == loss_b
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["layers.0.weight"], c["layers.0.weight"])


def test_same_seed_same_file_bytes(dataset_dir, tmp_path):
    """The header is written in one order (the library's own is a hash order), so a re-run gives the
    same SHA-256; the file still reads back with the library and its metadata."""
    d = policy_dataset.load(str(dataset_dir))
    files = []
    for run in range(2):
        result = train_policy.train(d, train_policy.TrainConfig(max_steps=5, seed=7, progress=False))
        path = tmp_path / f"run{run}.safetensors"
        policy_mlp.save(result.model, str(path),
                        train_policy.metadata_for(d, result, train_policy.TrainConfig(seed=7), "same", "ds"))
        files.append(path.read_bytes())
    assert files[0] == files[1]
    header_length = int.from_bytes(files[0][:8], "little")
    assert header_length % 8 == 0
    with safe_open(str(tmp_path / "run0.safetensors"), framework="numpy") as f:
        assert f.metadata()["version"] == "same" and list(f.get_tensor("layers.1.weight").shape) == [256, 256]


def test_training_lowers_the_validation_loss(dataset_dir):
    d = policy_dataset.load(str(dataset_dir))
    result = train_policy.train(d, train_policy.TrainConfig(epochs=3, seed=1, progress=False, validation_fraction=0.34))
    assert result.validation_rows > 0 and result.validation_seeds == [3]
    assert result.history[-1].validation_loss < result.history[0].validation_loss
    assert result.history[-1].train_loss < result.history[0].train_loss


def test_the_written_file_reads_back_into_the_same_network(dataset_dir, tmp_path):
    d = policy_dataset.load(str(dataset_dir))
    result = train_policy.train(d, train_policy.TrainConfig(max_steps=5, progress=False))
    path = tmp_path / "m.safetensors"
    policy_mlp.save(result.model, str(path), train_policy.metadata_for(d, result, train_policy.TrainConfig(), "m", "ds"))
    loaded, meta = policy_mlp.load(str(path))
    x = torch.from_numpy(d.observations[:64])
    with torch.no_grad():
        assert torch.equal(loaded(x), result.model(x))


def test_the_loop_appends_closed_loop_results_per_round_to_the_card(dataset_dir, tmp_path):
    import model_card

    out = tmp_path / "models"
    assert train_policy.main(["--dataset", str(dataset_dir), "--out", str(out), "--version", "v", "--max-steps", "3",
                              "--quiet"]) == 0
    def report(driver, fastened, outcomes):
        return {"driver": driver, "fastened": fastened, "cycles": 4, "outcomes": outcomes,
                "failures_by_step": {"insert": 4 - fastened} if fastened < 4 else {}, "seeds": "100001-100002",
                "cycles_per_seed": 2, "replan_steps": 5, "loop": "direct joint commands"}
    paths = {}
    for name, r in {"r1": report("v-round-1", 0, {"timedOut": 4}), "r2": report("v", 1, {"fastened": 1, "timedOut": 3}),
                    "planner": report("scripted-planner-4", 4, {"fastened": 4})}.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(r))
    card = out / "v.md"
    for _ in range(2):  # a second run replaces the section instead of adding another
        assert model_card.main(["--card", str(card), "--policy-report", str(paths["r2"]), "--planner-report",
                                str(paths["planner"]), "--round-report", str(paths["r1"]), "--round-report",
                                str(paths["r2"]), "--wall-seconds", "12"]) == 0
    text = card.read_text()
    assert text.count("## Closed loop in simulation") == 1
    assert "| v | 1/4 | 0.25 | fastened 1, timedOut 3 |" in text
    assert "| scripted-planner-4 | 4/4 | 1.00 | fastened 4 |" in text
    assert "| 1 | v-round-1 | 0/4 | timedOut 4 |" in text and "| 2 | v | 1/4 |" in text
    assert "took 12 s of wall time" in text and "Not evaluated by the trainer" not in text
    assert (out / "v.rounds.png").read_bytes()[:4] == b"\x89PNG"
