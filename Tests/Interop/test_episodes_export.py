"""Episodes end to end: a short `workcell demo` records one episode per cycle, `workcell episodes
export` turns them into a LeRobot v3.0 dataset, and pyarrow reads it back: every file of the
layout, every feature of meta/info.json with its dtype and shape, the episode count equal to the
cycles yield stored, with the same ids and outcomes, and the cameras' video (docs/episodes.md).
The demo records with `--episodes-video`, so every export here carries video."""
import json
import os
import shutil
import sqlite3
import subprocess

import pyarrow.parquet as pq
import pytest

from demo_run import EXPORT_DEADLINE_S, demo, export
from test_health_interop import free_port_bases

# LeRobot's v3.0 layout (lerobot/datasets/utils.py: DEFAULT_DATA_PATH, DEFAULT_EPISODES_PATH, the
# INFO keys) and the columns its episode metadata and frames carry.
INFO_KEYS = {
    "codebase_version", "robot_type", "total_episodes", "total_frames", "total_tasks", "chunks_size",
    "data_files_size_in_mb", "video_files_size_in_mb", "fps", "splits", "data_path", "video_path", "features",
}
FRAME_COLUMNS = {"timestamp", "frame_index", "episode_index", "index", "task_index"}
EPISODE_COLUMNS = {
    "episode_index", "tasks", "length", "data/chunk_index", "data/file_index", "dataset_from_index",
    "dataset_to_index", "meta/episodes/chunk_index", "meta/episodes/file_index",
}
ARROW_DTYPES = {"float32": "float", "int64": "int64", "bool": "bool"}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    run = tmp_path_factory.mktemp("demo")
    report = demo(run, "--episodes-video", port_base=free_port_bases(span=20, count=1)[0])
    with sqlite3.connect(run / "yield.sqlite") as db:
        stored = {row[0]: (row[1], row[2]) for row in db.execute("select cycle_id, robot, outcome from cycles")}
    return run, report, stored


def test_export_is_a_lerobot_v3_dataset_of_the_cycles_yield_stored(recorded, tmp_path):
    run, report, stored = recorded
    dataset = tmp_path / "dataset"
    out = export(run / "episodes", dataset)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])

    for path in ("meta/info.json", "meta/stats.json", "meta/tasks.parquet",
                 "meta/episodes/chunk-000/file-000.parquet", "data/chunk-000/file-000.parquet"):
        assert (dataset / path).is_file(), path

    info = json.loads((dataset / "meta/info.json").read_text())
    assert INFO_KEYS <= set(info), INFO_KEYS - set(info)
    assert info["codebase_version"] == "v3.0"
    assert info["fps"] == pytest.approx(10.0)
    assert info["data_path"] == "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"

    # One episode per cycle yield stored, with the same ids, robots and outcomes.
    episodes = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert report["cell"]["cycles"] == len(stored) == len(episodes) == info["total_episodes"] == summary["episodes"]
    assert {e["cycle_id"]: (e["robot"], e["outcome"]) for e in episodes} == stored
    assert EPISODE_COLUMNS <= set(episodes[0]), EPISODE_COLUMNS - set(episodes[0])
    assert [e["episode_index"] for e in episodes] == list(range(len(episodes)))
    assert all(e["model_version"] == "scripted-planner-4" for e in episodes)

    # Frames: every feature of info.json is a column of that dtype and shape; offsets line up.
    data = pq.read_table(dataset / "data/chunk-000/file-000.parquet")
    features = info["features"]
    assert FRAME_COLUMNS <= set(features)
    videos = {k for k, f in features.items() if f["dtype"] == "video"}
    assert videos == {"observation.images.feeder", "observation.images.fixture"}
    assert set(data.column_names) == set(features) - videos
    for name, feature in features.items():
        if name in videos:
            continue
        arrow = data.schema.field(name).type
        if feature["shape"] == [1]:
            assert str(arrow).startswith(ARROW_DTYPES[feature["dtype"]]), (name, arrow)
        else:
            assert arrow.list_size == feature["shape"][0], (name, arrow)
            assert str(arrow.value_type).startswith(ARROW_DTYPES[feature["dtype"]]), (name, arrow)
            assert len(feature["names"]) == feature["shape"][0], name
    assert data.num_rows == info["total_frames"] == sum(e["length"] for e in episodes)
    rows = data.to_pydict()
    for e in episodes:
        frames = range(e["dataset_from_index"], e["dataset_to_index"])
        assert [rows["episode_index"][i] for i in frames] == [e["episode_index"]] * e["length"]
        assert [rows["frame_index"][i] for i in frames] == list(range(e["length"]))
        assert [rows["next.done"][i] for i in frames] == [False] * (e["length"] - 1) + [True]
        reward = 1.0 if e["outcome"] == "ok" else 0.0
        assert rows["next.reward"][e["dataset_to_index"] - 1] == reward
    assert rows["index"] == list(range(data.num_rows))

    tasks = pq.read_table(dataset / "meta/tasks.parquet").to_pandas()
    assert list(tasks["task_index"]) == [0] and info["total_tasks"] == 1
    stats = json.loads((dataset / "meta/stats.json").read_text())
    state = stats["observation.state"]
    assert len(state["mean"]) == features["observation.state"]["shape"][0]
    assert state["count"] == [data.num_rows]


def probe_frames(path):
    """Each video frame's presentation time, s (ffprobe)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, timeout=EXPORT_DEADLINE_S)
    assert out.returncode == 0, out.stderr
    return [float(line.split(",")[0]) for line in out.stdout.split()]


def decoded_frame(path, index):
    """Frame `index` of a video as grey levels (ffmpeg)."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{index})", "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"], capture_output=True, timeout=EXPORT_DEADLINE_S)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_camera_video_one_image_per_frame(recorded, tmp_path):
    """--episodes-video: every episode has an H.264 video per camera with one image per replan; the
    export joins them per camera (LeRobot's video layout), each episode's from/to timestamps cover
    exactly its frames, and the images show the scene (not blank, and changing as the arm works)."""
    run, _, stored = recorded
    for name in os.listdir(run / "episodes"):
        if name.endswith(".episode.json"):
            episode = json.loads((run / "episodes" / name).read_text())
            assert {v["role"] for v in episode["videos"]} == {"feeder", "fixture"}
            for v in episode["videos"]:
                assert v["frames"] == len(episode["frames"]) and v["codec"] == "h264"
                assert len(probe_frames(run / "episodes" / v["file"])) == len(episode["frames"])
    dataset = tmp_path / "dataset"
    out = export(run / "episodes", dataset)
    assert out.returncode == 0, out.stderr
    info = json.loads((dataset / "meta/info.json").read_text())
    assert info["video_path"] == "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
    episodes = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    stats = json.loads((dataset / "meta/stats.json").read_text())
    for key in ("observation.images.feeder", "observation.images.fixture"):
        feature = info["features"][key]
        assert feature["shape"] == [240, 320, 3] and feature["names"] == ["height", "width", "channels"]
        assert feature["info"]["video.fps"] == info["fps"] and feature["info"]["video.codec"] == "h264"
        path = dataset / info["video_path"].format(video_key=key, chunk_index=0, file_index=0)
        times = probe_frames(path)
        assert len(times) == info["total_frames"]
        assert times == pytest.approx([i / info["fps"] for i in range(len(times))], abs=1e-3)
        for e in episodes:
            assert e[f"videos/{key}/from_timestamp"] == pytest.approx(e["dataset_from_index"] / info["fps"])
            assert e[f"videos/{key}/to_timestamp"] == pytest.approx(e["dataset_to_index"] / info["fps"])
            assert e[f"videos/{key}/chunk_index"] == 0 and e[f"videos/{key}/file_index"] == 0
        first, later = decoded_frame(path, 0), decoded_frame(path, episodes[0]["length"] - 1)
        assert len(first) == 240 * 320 and max(first) - min(first) > 100, "a blank image"
        assert first != later
        assert 0 < stats[key]["mean"][0][0][0] < 1 and len(stats[key]["mean"]) == 3


def test_a_missing_video_skips_its_episode_and_video_off(recorded, tmp_path):
    run, _, stored = recorded
    source = tmp_path / "episodes"
    shutil.copytree(run / "episodes", source)
    lost = sorted(stored)[0]
    os.remove(source / f"{lost}.fixture.mp4")
    out = export(source, tmp_path / "rest")
    assert out.returncode == 0, out.stderr
    assert f"skipped {lost}: video {lost}.fixture.mp4 is missing" in out.stderr
    episodes = pq.read_table(tmp_path / "rest/meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert {e["cycle_id"] for e in episodes} == set(stored) - {lost}
    # --video off exports every episode without video.
    out = export(source, tmp_path / "novideo", "--video", "off")
    assert out.returncode == 0, out.stderr
    info = json.loads((tmp_path / "novideo/meta/info.json").read_text())
    assert info["video_path"] is None and info["total_episodes"] == len(stored)
    assert not (tmp_path / "novideo/videos").exists()


def test_trace_frames_are_what_control_executed_at_50_hz(recorded, tmp_path):
    """`--frames trace`: one frame per sample of control's own loop trace (GetTrace, one call per
    cycle): 50 Hz, the working arm's measured joints and velocities and the gripper width as state,
    the targets the loop sent as action, covering the cycle."""
    run, report, stored = recorded
    dataset = tmp_path / "trace"
    out = export(run / "episodes", dataset, "--frames", "trace")
    assert out.returncode == 0, out.stderr
    info = json.loads((dataset / "meta/info.json").read_text())
    assert info["fps"] == pytest.approx(50.0)
    state_names = info["features"]["observation.state"]["names"]
    assert len(state_names) == 15 and state_names[0] == "right_arm_joint_1.pos" and state_names[7] == "right_arm_joint_1.vel"
    assert info["features"]["action"]["names"][-1] == "right_gripper.target_width"
    assert "policy.latency_ms" not in info["features"] and "shadow.divergence_rad" not in info["features"]
    episodes = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert {e["cycle_id"] for e in episodes} == set(stored)
    rows = pq.read_table(dataset / "data/chunk-000/file-000.parquet").to_pydict()
    for e in episodes:
        times = rows["cycle_time_s"][e["dataset_from_index"]:e["dataset_to_index"]]
        # The loop samples every 20 ms of the whole cycle.
        assert e["length"] >= 0.8 * 50 * e["cycle_ms"] / 1000, (e["length"], e["cycle_ms"])
        steps = [b - a for a, b in zip(times, times[1:])]
        assert min(steps) >= 0.0195 and sorted(steps)[len(steps) // 2] == pytest.approx(0.02, abs=1e-3)
        assert times[0] >= 0 and times[-1] <= e["cycle_ms"] / 1000 + 0.05
        # The arm moved, and the measured joints followed the targets (within 0.2 rad anywhere).
        states = rows["observation.state"][e["dataset_from_index"]:e["dataset_to_index"]]
        actions = rows["action"][e["dataset_from_index"]:e["dataset_to_index"]]
        assert max(s[0] for s in states) - min(s[0] for s in states) > 0.05
        assert all(abs(s[j] - a[j]) < 0.2 for s, a in zip(states, actions) for j in range(7))


def test_filters_and_a_torn_episode(recorded, tmp_path):
    run, _, stored = recorded
    source = tmp_path / "episodes"
    shutil.copytree(run / "episodes", source)
    # A cell killed while writing leaves a .partial file: named, skipped, the rest exported.
    (source / "01a2ffff-0000-7000-8000-000000000000.episode.json.partial").write_text('{"format": "workcell-ep')
    one = sorted(stored)[0]
    out = export(source, tmp_path / "one", "--cycles", one)
    assert out.returncode == 0, out.stderr
    assert "torn episode 01a2ffff-0000-7000-8000-000000000000.episode.json.partial" in out.stderr
    episodes = pq.read_table(tmp_path / "one/meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["cycle_id"] for e in episodes] == [one]

    # Nothing matches: exit 2 with a message, no dataset.
    out = export(source, tmp_path / "none", "--model", "no-such-model")
    assert out.returncode == 2, out.stderr
    assert "no complete episode matched" in out.stderr
    assert not (tmp_path / "none").exists()

    # Bad input: a target that is not empty, an unknown outcome.
    (tmp_path / "full").mkdir()
    (tmp_path / "full/x").write_text("x")
    out = export(source, tmp_path / "full")
    assert out.returncode == 1 and "not empty" in out.stderr
    out = export(source, tmp_path / "bad", "--outcome", "maybe")
    assert out.returncode != 0 and "--outcome" in out.stderr


LEROBOT_PYTHON_ENV = "WORKCELL_LEROBOT_PYTHON"


@pytest.mark.skipif(
    not os.environ.get(LEROBOT_PYTHON_ENV),
    reason=f"{LEROBOT_PYTHON_ENV} names no Python with lerobot installed (its torchvision pulls a multi-GB "
    "CUDA torch, too big for CI; docs/episodes.md says how to run this)")
def test_lerobot_loads_the_export(recorded, tmp_path):
    """LeRobot's own loader (LeRobotDataset, lerobot 0.4.4) reads the export: counts, fps, shapes."""
    run, _, stored = recorded
    dataset = tmp_path / "dataset"
    out = export(run / "episodes", dataset)
    assert out.returncode == 0, out.stderr
    probe = (
        "import json, sys\n"
        "from lerobot.datasets.lerobot_dataset import LeRobotDataset\n"
        "ds = LeRobotDataset('workcell/export', root=sys.argv[1])\n"
        "item = ds[0]\n"
        "print(json.dumps({'episodes': ds.num_episodes, 'frames': ds.num_frames, 'fps': ds.fps,\n"
        "  'state': list(item['observation.state'].shape), 'action': list(item['action'].shape),\n"
        "  'task': item['task'], 'feeder': list(item['observation.images.feeder'].shape)}))\n")
    out = subprocess.run([os.environ[LEROBOT_PYTHON_ENV], "-c", probe, str(dataset)],
                         capture_output=True, text=True, timeout=EXPORT_DEADLINE_S)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    info = json.loads((dataset / "meta/info.json").read_text())
    assert loaded["episodes"] == len(stored)
    assert loaded["frames"] == info["total_frames"]
    assert loaded["fps"] == info["fps"]
    assert loaded["state"] == info["features"]["observation.state"]["shape"]
    assert loaded["action"] == info["features"]["action"]["shape"]
    assert loaded["task"].startswith("Pick a self-tapping nut")
    assert loaded["feeder"] == [3, 240, 320]  # LeRobot decodes the video to channels-first floats
