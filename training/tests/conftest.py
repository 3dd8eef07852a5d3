"""Fixtures of the trainer's tests: the Swift `workcell-train` (WORKCELL_BIN_DIR, else
.build/debug), and one small dataset it exports, shared by the session.

torch comes from training/requirements.txt (scripts/python-env.sh installs it into the test venv);
where it could not be installed the parity and training tests skip, saying so (the bad-input
tests need no torch and still run).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))

TORCH_MISSING = ("torch is not installed in this venv (scripts/python-env.sh could not install "
                 "training/requirements.txt's torch==2.13.0 CPU wheel); the parity and training tests need it")

# Three expert worlds, one cycle each, with perturbed copies: ~1 500 frames, a few seconds of debug build.
EXPORT_ARGS = ["--train-seeds", "3", "--cycles-per-seed", "1"]


def bin_dir() -> Path:
    return Path(os.environ.get("WORKCELL_BIN_DIR", ROOT / ".build" / "debug"))


def workcell_train() -> Path:
    path = bin_dir() / "workcell-train"
    if not path.exists():
        pytest.fail(f"{path} is missing: build first (swift build --build-tests) or set WORKCELL_BIN_DIR")
    return path


def run_swift(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(workcell_train()), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"workcell-train {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("export") / "dataset"
    run_swift("--export-dataset", str(target), *EXPORT_ARGS, "--python", sys.executable)
    return target


@pytest.fixture
def dataset_copy(dataset_dir, tmp_path) -> Path:
    """A private copy to damage."""
    copy = tmp_path / "dataset"
    shutil.copytree(dataset_dir, copy)
    return copy
