"""DAgger with the scripted planner as the labeller (issue #18 item 2): `workcell-train
--export-dataset --label-with planner` writes wc-features-3 frames labelled by the planner, a
student trained on them drives the next round's rollouts, the trainer aggregates rounds, and a
wc-features-3 model runs the same in PyTorch and in the Swift runtime."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import TORCH_MISSING, run_swift

pytest.importorskip("torch", reason=TORCH_MISSING)

import policy_dataset
import train_policy
from test_parity import assert_parity, trained_model, write_model

# Two worlds, one cycle each, through the controller at 0/100 ms: ~500 frames.
RELABEL_ARGS = ["--label-with", "planner", "--train-seeds", "2", "--cycles-per-seed", "1",
                "--rollout-latencies-ms", "0,100"]


@pytest.fixture(scope="module")
def round_one(tmp_path_factory):
    target = tmp_path_factory.mktemp("dagger") / "round-1"
    result = run_swift("--export-dataset", str(target), *RELABEL_ARGS, "--python", __import__("sys").executable)
    assert "the planner labels every 20 ms" in result.stdout
    return target


def test_planner_labelled_rollouts_are_wc_features_3(round_one):
    info = json.loads((round_one / "meta" / "info.json").read_text())
    state = info["features"]["observation.state"]
    assert state["feature_version"] == "wc-features-3" and state["shape"] == [65]
    assert state["names"][41] == "right_arm_joint_1.velocity_rad_per_s" and state["names"][-1] == "tracked.same_step"
    assert info["workcell"]["provenance"]["labelled_by"].startswith("scripted-planner-")
    dataset = policy_dataset.load(str(round_one))
    assert {e["source"] for e in dataset.episodes} == {"relabel"}
    # Every 20 ms of two cycles of several seconds each.
    assert len(dataset.observations) > 300
    # The planner's chunks are commanded targets: the fingers open (45 mm) or closed (0), nothing between.
    widths = dataset.actions[:, 7::9]
    assert np.all(np.isclose(widths, 0) | np.isclose(widths, 0.045))
    # After the first look of a cycle the chunk given last is tracked (same step, age > 0) in most frames.
    same_step = dataset.observations[:, 64]
    assert same_step.mean() > 0.5
    assert (dataset.observations[same_step > 0.5, 63] > 0).all()


def test_a_student_drives_the_next_round_and_the_rounds_train_together(round_one, tmp_path):
    first = policy_dataset.load(str(round_one))
    result = trained_model(first, steps=40)
    student = tmp_path / "student.safetensors"
    write_model(result, first, student, version="student-1")
    round_two = tmp_path / "round-2"
    out = run_swift("--export-dataset", str(round_two), *RELABEL_ARGS, "--first-train-seed", "11",
                    "--student", str(student), "--beta", "0.5", "--python", __import__("sys").executable)
    assert "student-1 with the planner at β = 0.5" in out.stdout
    both = policy_dataset.concatenate([first, policy_dataset.load(str(round_two))])
    assert len(both.observations) > len(first.observations)
    assert [e["episode_index"] for e in both.episodes] == list(range(len(both.episodes)))
    assert {e["dataset"] for e in both.episodes} == {0, 1}
    # Validation holds out worlds of each round, never all of one.
    train_rows, validation_rows, held = train_policy.split_by_seed(both, 0.5)
    assert len(train_rows) and len(validation_rows) and set(held) == {2, 12}
    # The loss weights by chunk step and by cycle step train.
    config = train_policy.TrainConfig(max_steps=5, progress=False, first_steps=13, first_steps_weight=3,
                                      step_weights={"insert": 4, "grasp": 2})
    assert train_policy.train(both, config).steps == 5


def test_a_wc_features_3_model_matches_the_swift_runtime(round_one, tmp_path):
    dataset = policy_dataset.load(str(round_one))
    result = trained_model(dataset, steps=40)
    path = tmp_path / "v3.safetensors"
    write_model(result, dataset, path, version="parity-v3")
    per_output = assert_parity(result.model, path, dataset.observations[:300], tmp_path)
    assert per_output.max() <= 1e-4


def test_datasets_of_two_feature_versions_are_refused_together(round_one, dataset_dir):
    with pytest.raises(policy_dataset.DatasetError, match="feature_version"):
        policy_dataset.concatenate([policy_dataset.load(str(dataset_dir)), policy_dataset.load(str(round_one))])


def test_a_step_weight_for_a_step_the_features_do_not_have_is_refused(round_one):
    dataset = policy_dataset.load(str(round_one))
    config = train_policy.TrainConfig(max_steps=1, progress=False, step_weights={"polish": 2})
    with pytest.raises(policy_dataset.DatasetError, match="cycle_step.polish"):
        train_policy.train(dataset, config)


def test_the_round_that_fastened_most_is_kept_under_the_final_version(round_one, tmp_path):
    import select_round
    from safetensors import safe_open

    dataset = policy_dataset.load(str(round_one))
    paths = []
    for n, fastened in ((1, 3), (2, 9), (3, 9)):
        result = trained_model(dataset, steps=5 + n)
        model = tmp_path / f"v-round-{n}.safetensors"
        write_model(result, dataset, model, version=f"v-round-{n}")
        (tmp_path / f"v-round-{n}.md").write_text(f"# Policy model card: v-round-{n}\n")
        report = tmp_path / f"round-{n}.json"
        report.write_text(json.dumps({"fastened": fastened, "cycles": 12, "seeds": "400001-400004"}))
        paths += ["--round", f"{model}:{report}"]
    assert select_round.main([*paths, "--version", "v", "--out", str(tmp_path / "out")]) == 0
    with safe_open(str(tmp_path / "out" / "v.safetensors"), framework="numpy") as f:
        meta = f.metadata()
        kept = f.get_tensor("layers.0.weight")
    # A tie goes to the later round.
    assert meta["version"] == "v" and meta["selected_from"].startswith("DAgger round 3 of 3 (v-round-3): 9/12")
    with safe_open(str(tmp_path / "v-round-3.safetensors"), framework="numpy") as f:
        assert np.array_equal(kept, f.get_tensor("layers.0.weight"))
    card = (tmp_path / "out" / "v.md").read_text()
    assert card.startswith("# Policy model card: v\n") and "| 3 | 9/12 | **kept**" in card


def test_input_noise_on_the_tracked_chunk_is_deterministic_by_seed_and_refuses_unknown_features(round_one):
    import torch

    dataset = policy_dataset.load(str(round_one))

    def weights(noise, seed=1):
        config = train_policy.TrainConfig(max_steps=8, seed=seed, progress=False, feature_noise=noise)
        return torch.cat([p.detach().flatten() for p in train_policy.train(dataset, config).model.parameters()])

    clean, noisy = weights({}), weights({"tracked.": 0.5})
    assert torch.equal(noisy, weights({"tracked.": 0.5}))          # same seed, same noise, same weights
    assert not torch.equal(noisy, clean)                            # the noise reaches the training
    assert not torch.equal(noisy, weights({"tracked.": 0.5}, seed=2))
    with pytest.raises(policy_dataset.DatasetError, match="tracking"):
        weights({"tracking.": 0.5})
    with pytest.raises(SystemExit):
        train_policy.main(["--dataset", str(round_one), "--feature-noise", "tracked.=-1"])


def test_a_round_can_continue_the_last_student(round_one, tmp_path):
    import torch

    import policy_mlp

    dataset = policy_dataset.load(str(round_one))
    start = trained_model(dataset, steps=10)
    path = tmp_path / "student.safetensors"
    write_model(start, dataset, path, version="student")
    saved, _ = policy_mlp.load(str(path))
    config = train_policy.TrainConfig(max_steps=3, seed=5, progress=False, init_from=str(path), learning_rate=1e-4)
    continued = train_policy.train(dataset, config).model
    # The student's normalisation stays (the weights were fitted to it); the weights move a little from its own.
    for name in ("input_mean", "input_std", "output_mean", "output_std"):
        assert torch.equal(getattr(continued, name), getattr(saved, name))
    moved = [(a - b).abs().max().item() for a, b in zip(continued.parameters(), saved.parameters())]
    assert 0 < max(moved) < 0.01
    # Same seed, same start, same weights.
    again = train_policy.train(dataset, config).model
    assert all(torch.equal(a, b) for a, b in zip(again.parameters(), continued.parameters()))
    # A start of other layers is refused, naming both.
    with pytest.raises(policy_dataset.DatasetError, match="init-from"):
        train_policy.train(dataset, train_policy.TrainConfig(max_steps=1, progress=False, hidden=[64],
                                                             init_from=str(path)))
