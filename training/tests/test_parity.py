"""Parity (issue #18 item 4): the PyTorch model and the Swift runtime's PolicyModel, run on the
same ≥ 1 000 observations from a dataset, agree within 1e-4 on every output; a model written in
the wrong layout fails this check instead of reaching the fleet."""
from __future__ import annotations

import pytest

from conftest import TORCH_MISSING

pytest.importorskip("torch", reason=TORCH_MISSING)

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

import policy_dataset
import policy_mlp
import train_policy
from conftest import run_swift

TOLERANCE = 1e-4
OBSERVATIONS = 1000


def trained_model(dataset, steps=40, seed=1):
    config = train_policy.TrainConfig(max_steps=steps, seed=seed, progress=False)
    return train_policy.train(dataset, config)


def write_model(result, dataset, path, version="parity"):
    metadata = train_policy.metadata_for(dataset, result, train_policy.TrainConfig(), version, "parity-dataset")
    policy_mlp.save(result.model, str(path), metadata)


def swift_outputs(model_path, observations, tmp_path):
    features = tmp_path / "features.npy"
    outputs = tmp_path / "outputs.npy"
    np.save(features, np.ascontiguousarray(observations, dtype="<f4"))
    run_swift("--infer-features", str(features), "--model", str(model_path), "--out", str(outputs))
    return np.load(outputs)


def assert_parity(torch_model, model_path, observations, tmp_path):
    """Raises AssertionError naming the worst output when the runtimes disagree by more than 1e-4."""
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(observations)).numpy()
    got = swift_outputs(model_path, observations, tmp_path)
    assert got.shape == expected.shape, f"Swift gave {got.shape}, PyTorch {expected.shape}"
    per_output = np.abs(got - expected).max(axis=0)
    worst = int(per_output.argmax())
    assert per_output.max() <= TOLERANCE, (
        f"output {worst} differs by {per_output[worst]:.3g} (> {TOLERANCE}); "
        f"{int((per_output > TOLERANCE).sum())} of {len(per_output)} outputs out of tolerance")
    return per_output


@pytest.fixture(scope="module")
def dataset(dataset_dir):
    return policy_dataset.load(str(dataset_dir))


@pytest.fixture(scope="module")
def trained(dataset):
    return trained_model(dataset)


def test_pytorch_and_swift_agree_on_1000_recorded_observations(dataset, trained, tmp_path):
    assert len(dataset.observations) >= OBSERVATIONS
    rows = np.linspace(0, len(dataset.observations) - 1, OBSERVATIONS).astype(int)
    observations = dataset.observations[rows]
    path = tmp_path / "parity.safetensors"
    write_model(trained, dataset, path)
    per_output = assert_parity(trained.model, path, observations, tmp_path)
    assert per_output.shape == (dataset.actions.shape[1],)
    # The comparison is not vacuous: the outputs vary across observations by far more than the tolerance.
    with torch.no_grad():
        outputs = trained.model(torch.from_numpy(observations)).numpy()
    assert (outputs.std(axis=0) > 100 * TOLERANCE).sum() > outputs.shape[1] // 2


def test_a_square_layer_written_untransposed_fails_parity(dataset, trained, tmp_path):
    good = tmp_path / "good.safetensors"
    write_model(trained, dataset, good)
    tensors = load_file(str(good))
    from safetensors import safe_open
    with safe_open(str(good), framework="numpy") as f:
        metadata = f.metadata()
    # 256 × 256: the Swift loader cannot tell [out, in] from [in, out] by shape.
    tensors["layers.1.weight"] = np.ascontiguousarray(tensors["layers.1.weight"].T)
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata=metadata)
    observations = dataset.observations[:OBSERVATIONS]
    with pytest.raises(AssertionError, match="differs by"):
        assert_parity(trained.model, bad, observations, tmp_path)


def test_a_rectangular_layer_in_pytorch_layout_is_refused_by_the_swift_loader(dataset, trained, tmp_path):
    tensors = {k: v for k, v in policy_mlp.swift_tensors(trained.model).items()}
    tensors["layers.0.weight"] = np.ascontiguousarray(tensors["layers.0.weight"].T)  # [256, 41]: nn.Linear's layout
    metadata = train_policy.metadata_for(dataset, trained, train_policy.TrainConfig(), "bad", "parity-dataset")
    bad = tmp_path / "bad.safetensors"
    save_file(tensors, str(bad), metadata=metadata)
    np.save(tmp_path / "features.npy", dataset.observations[:10])
    result = run_swift("--infer-features", str(tmp_path / "features.npy"), "--model", str(bad), "--out",
                       str(tmp_path / "out.npy"), check=False)
    assert result.returncode == 1
    assert "layers.0.weight" in result.stderr and "shape" in result.stderr


def test_swift_refuses_non_finite_features(dataset, trained, tmp_path):
    path = tmp_path / "m.safetensors"
    write_model(trained, dataset, path)
    features = dataset.observations[:5].copy()
    features[3, 8] = np.nan
    np.save(tmp_path / "features.npy", features)
    result = run_swift("--infer-features", str(tmp_path / "features.npy"), "--model", str(path), "--out",
                       str(tmp_path / "out.npy"), check=False)
    assert result.returncode == 1
    assert "row 3" in result.stderr and "nut.x_m" in result.stderr
