"""The learned tactile refinement (issue #19 item 3): Swift draws simulated grasps
(workcell-train --tactile-dataset), PyTorch trains the correction network
(training/train_tactile.py), and the Swift runtime (TactileOffsetNet, what perception's
--tactile-model runs) computes the same corrections within 1e-4; bad datasets are refused with
a message naming the file."""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import TORCH_MISSING, run_swift

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tactile_dataset(tmp_path_factory):
    target = tmp_path_factory.mktemp("tactile") / "grasps"
    result = run_swift("--tactile-dataset", str(target), "--grasps", "800", "--seed", "3")
    assert "800 grasps" in result.stdout
    return target


def train(dataset, out, *extra):
    import train_tactile

    report = out / "report.json"
    code = train_tactile.main(["--dataset", str(dataset), "--out", str(out), "--version", "tac-test",
                               "--epochs", "4", "--hidden", "32,32", "--report-json", str(report), *extra])
    assert code == 0
    return json.loads(report.read_text())


def test_dataset_holds_the_grasps_and_the_fit_is_close(tactile_dataset):
    manifest = json.loads((tactile_dataset / "manifest.json").read_text())
    features = np.load(tactile_dataset / "features.npy")
    labels = np.load(tactile_dataset / "labels.npy")
    spurious = np.load(tactile_dataset / "spurious.npy")
    assert manifest["format"] == "workcell-tactile-grasps/1" and manifest["feature_version"] == "wc-tactile-1"
    assert features.shape == (800, 201) and labels.shape == (800, 2) and spurious.shape == (800, 1)
    assert len(manifest["feature_names"]) == 201
    # The draws cover the pads' holdable band and carry stray contacts.
    assert labels[:, 0].min() < -3 and labels[:, 0].max() > 3
    assert 0.05 < (spurious[:, 0] > 0).mean() < 0.35
    # Columns 198-199 are the line fit's answer: close to the truth on clean grasps.
    clean = spurious[:, 0] == 0
    assert np.median(np.abs(features[clean, 198] - labels[clean, 0])) < 0.05
    # Same seed, same grasps.
    again = tactile_dataset.parent / "again"
    run_swift("--tactile-dataset", str(again), "--grasps", "800", "--seed", "3")
    assert np.array_equal(np.load(again / "features.npy"), features)
    # A directory that already holds a dataset is not overwritten.
    refused = run_swift("--tactile-dataset", str(tactile_dataset), "--grasps", "10", check=False)
    assert refused.returncode != 0 and "already holds a dataset" in refused.stderr


def test_swift_runtime_matches_pytorch_and_training_is_deterministic(tactile_dataset, tmp_path):
    pytest.importorskip("torch", reason=TORCH_MISSING)
    import torch

    import policy_mlp
    import train_tactile

    report = train(tactile_dataset, tmp_path / "a")
    model_path = tmp_path / "a" / "tac-test.safetensors"
    for suffix in (".md", ".losses.png", ".errors.png"):
        assert (tmp_path / "a" / f"tac-test{suffix}").stat().st_size > 0
    assert report["test"] == 80 and report["learned"]["all"]["grasps"] == 80
    assert report["analytic"]["stray_contact"] is not None

    model, metadata = policy_mlp.load(str(model_path), expected_format=train_tactile.FORMAT)
    assert metadata["feature_version"] == "wc-tactile-1" and metadata["rows"] == "11"
    features = np.load(tactile_dataset / "features.npy")
    with torch.no_grad():
        expected = model(torch.from_numpy(features)).numpy()
    inputs, outputs = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(inputs, features)
    run_swift("--infer-tactile", str(inputs), "--model", str(model_path), "--out", str(outputs))
    swift = np.load(outputs)
    assert swift.shape == expected.shape
    assert np.max(np.abs(swift - expected)) < TOLERANCE

    train(tactile_dataset, tmp_path / "b")
    assert model_path.read_bytes() == (tmp_path / "b" / "tac-test.safetensors").read_bytes()


def test_swift_refuses_a_policy_file(tactile_dataset, tmp_path):
    from conftest import ROOT

    policy = ROOT / "models" / "policy" / "wc-mlp-2.safetensors"
    inputs = tmp_path / "in.npy"
    np.save(inputs, np.load(tactile_dataset / "features.npy")[:4])
    wrong_format = run_swift("--infer-tactile", str(inputs), "--model", str(policy), "--out", str(tmp_path / "o.npy"),
                             check=False)
    assert wrong_format.returncode != 0 and "workcell-tactile-mlp" in wrong_format.stderr


@pytest.mark.parametrize("damage, words", [
    ("nan", "row"),
    ("missing-labels", "labels.npy is missing"),
    ("format", "format"),
    ("width", "float32 [N, 201]"),
])
def test_trainer_refuses_bad_datasets(tactile_dataset, tmp_path, capsys, damage, words):
    import train_tactile

    copy = tmp_path / "grasps"
    shutil.copytree(tactile_dataset, copy)
    if damage == "nan":
        features = np.load(copy / "features.npy")
        features[5, 17] = np.nan
        np.save(copy / "features.npy", features)
    elif damage == "missing-labels":
        (copy / "labels.npy").unlink()
    elif damage == "format":
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["format"] = "something-else/1"
        (copy / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "width":
        np.save(copy / "features.npy", np.load(copy / "features.npy")[:, :200])
    code = train_tactile.main(["--dataset", str(copy), "--out", str(tmp_path / "out"), "--epochs", "1"])
    assert code == 2
    assert words in capsys.readouterr().err


def workcell_demo(*args: str) -> subprocess.CompletedProcess:
    from conftest import ROOT, bin_dir

    return subprocess.run([str(bin_dir() / "workcell"), "demo", "--robots", "1", "--report", "json", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


def test_the_cell_runs_on_the_committed_tactile_model_and_refuses_a_wrong_file():
    from conftest import ROOT

    run = workcell_demo("--cycles", "2", "--grpc-port-base", "54761",
                        "--tactile-model", str(ROOT / "models" / "tactile" / "wc-tacrefine-1.safetensors"))
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["tactile_model"] == "wc-tacrefine-1.safetensors"
    assert report["cell"]["cycles"] == 2 and report["cell"]["ok"] >= 1, report["cell"]
    refused = workcell_demo("--cycles", "1", "--tactile-model", str(ROOT / "models" / "policy" / "wc-mlp-2.safetensors"))
    assert refused.returncode != 0
    assert "workcell-tactile-mlp" in refused.stderr
