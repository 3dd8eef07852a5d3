"""A canary end to end: `workcell demo --canary right=wc-mlp-2` drives the right robot with the
policy network and the left with the scripted planner; the cycle records name the version that
drove them, yield's `group_by=model_version` answers one row per version (REST, read by an MES
client), and `workcell episodes export --model` selects one version's episodes. The same run has
`--shadow wc-mlp-2`: the network computes a chunk beside every planner answer (never executed), and
its divergence reaches the export (`shadow.divergence_rad`), while the robot it drives as a canary is
not compared with itself."""
import math
import shutil
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from demo_run import demo, export
from test_health_interop import free_port_bases
from yield_client import RestClient, YieldServer


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("canary-demo")
    return run, demo(run, "--canary", "right=wc-mlp-2", "--shadow", "wc-mlp-2", port_base=free_port_bases(span=20, count=1)[0])


def test_a_canary_is_its_own_row_in_group_by_model_version(canary_run, tmp_path):
    run, report = canary_run
    work = tmp_path / "yield"
    work.mkdir()
    shutil.copy(run / "yield.sqlite", work / "yield.sqlite")
    server = YieldServer(work)
    try:
        rest = RestClient(server.base_url, server.tokens.read)
        now = datetime.now(timezone.utc)
        window = {"from": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "to": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        rows = rest.get("/api/v1/yield", group_by="model_version", **window)
        assert rows.status_code == 200, rows.text
        by_model = {row["model_version"]: row for row in rows.json()["rows"]}
        assert set(by_model) == {"scripted-planner-4", "wc-mlp-2"}, by_model
        assert by_model["scripted-planner-4"]["cycles"] == 2 and by_model["wc-mlp-2"]["cycles"] == 2
        assert sum(row["cycles"] for row in by_model.values()) == report["cell"]["cycles"]
        # Per robot and model: the canary drove the right robot only.
        pairs = rest.get("/api/v1/yield", group_by="robot,model_version", **window).json()["rows"]
        assert {(row["robot"], row["model_version"]) for row in pairs} == {
            ("left", "scripted-planner-4"), ("right", "wc-mlp-2")}
    finally:
        assert server.stop() == 0

    dataset = tmp_path / "dataset"
    out = export(run / "episodes", dataset, "--model", "wc-mlp-2")
    assert out.returncode == 0, out.stderr
    episodes = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert {(e["robot"], e["model_version"]) for e in episodes} == {("right", "wc-mlp-2")}
    assert len(episodes) == 2


def test_a_shadow_models_divergence_is_exported(canary_run, tmp_path):
    run, _ = canary_run
    dataset = tmp_path / "dataset"
    out = export(run / "episodes", dataset)
    assert out.returncode == 0, out.stderr
    episodes = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    frames = pq.read_table(dataset / "data/chunk-000/file-000.parquet").to_pydict()
    assert {(e["robot"], e["shadow_model_version"]) for e in episodes} == {("left", "wc-mlp-2"), ("right", "")}
    for e in episodes:
        divergences = frames["shadow.divergence_rad"][e["dataset_from_index"]:e["dataset_to_index"]]
        if e["robot"] == "left":
            # The planner drove; the network shadowed every replan: a finite, non-negative
            # distance, not always zero (two different planners).
            assert all(math.isfinite(d) and d >= 0 for d in divergences), divergences
            assert max(divergences) > 1e-4
        else:
            assert all(math.isnan(d) for d in divergences), divergences
