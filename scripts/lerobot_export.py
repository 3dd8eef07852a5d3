#!/usr/bin/env python3
"""Turns a directory of Workcell episodes (one `<cycle_id>.episode.json` per cycle, written by the
cell) into a LeRobot dataset v3.0 (docs/episodes.md). `workcell episodes export` runs it; it can
also run on its own:

    python scripts/lerobot_export.py --from DIR --to OUT [--outcome ok|nok|all] [--model VERSION]
                                     [--cycles ID,ID,...] [--frames replans|trace] [--video auto|off]

Writes, as LeRobot's v3.0 layout has them:
  meta/info.json                                codebase_version "v3.0", fps, features, paths
  meta/stats.json                               min/max/mean/std/count (+ quantiles) per feature
  meta/tasks.parquet                            task string (index) -> task_index
  meta/episodes/chunk-000/file-000.parquet      one row per episode: lengths, offsets, cycle fields
  data/chunk-000/file-000.parquet               one row per frame
  videos/observation.images.<camera>/chunk-000/file-000.mp4
                                                the cameras' images, one video frame per frame
                                                (when the cell recorded them: --episodes-video)

A frame is one replan of the cell: `observation.state` is what the policy was shown, `action` step 0
of the chunk it answered. With `--frames trace` a frame is one sample of what control executed
(its loop's own 50 Hz trace, kept in the episode): `observation.state` the working arm's measured
joint positions and velocities and the gripper width, `action` the joint and gripper targets the
loop sent with that state; fps is the trace's rate, and an episode without a trace is named and
skipped. Frames keep their order; `timestamp` is frame_index / fps (LeRobot's
convention) and `cycle_time_s` the replan's true time since the cycle started (the cell does not
replan while a PLC handshake or the fastening runs).

Camera video: each recorded episode has `<cycle_id>.<role>.mp4` per camera (feeder, fixture) with
one image per replan. With `--video auto` (the default) and replan frames, when every exported
episode has the same cameras, their files are joined per camera with ffmpeg (stream copy, no
re-encoding) and each episode row gets `videos/<key>/{chunk_index,file_index,from_timestamp,
to_timestamp}`; an episode whose video is missing or does not hold one image per frame is named and
skipped. Image statistics (per channel, 0..1, as LeRobot keeps them) come from every k-th decoded
frame (k = min(10, shortest episode)).

Parquet is written by pyarrow (via pandas, as LeRobot writes it). An episode file that is torn
(`.partial`: the cell was killed while writing it) or unreadable is named and skipped; the complete
ones are exported. Exit status 0 when something was exported, 1 on bad input, 2 when nothing matched.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

FORMAT = "workcell-episode/1"
CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
QUANTILES = [0.01, 0.10, 0.50, 0.90, 0.99]


def fail(message, status=1):
    print(f"lerobot_export: error: {message}", file=sys.stderr)
    sys.exit(status)


def progress(message):
    print(f"[export] {message}", file=sys.stderr, flush=True)


def load_episodes(source, outcome, model, cycles):
    """The complete episodes of `source` that match, oldest first, and the torn ones by name."""
    names = sorted(os.listdir(source))
    torn = [n for n in names if n.endswith(".episode.json.partial")]
    episodes, problems = [], []
    files = [n for n in names if n.endswith(".episode.json")]
    for i, name in enumerate(files):
        path = os.path.join(source, name)
        try:
            with open(path, "rb") as f:
                episode = json.load(f)
        except (OSError, ValueError) as error:
            problems.append(f"{name}: unreadable ({error})")
            continue
        if not isinstance(episode, dict) or episode.get("format") != FORMAT:
            problems.append(f"{name}: not a {FORMAT} file")
            continue
        required = ("cycle_id", "robot", "frames", "state_names", "action_names", "outcome", "replan_hz")
        missing = [k for k in required if k not in episode]
        if missing:
            problems.append(f"{name}: missing {', '.join(missing)}")
            continue
        if outcome != "all" and episode["outcome"] != outcome:
            continue
        if model and episode.get("model_version") != model:
            continue
        if cycles and episode["cycle_id"] not in cycles:
            continue
        if not episode["frames"]:
            problems.append(f"{name}: no frames (the cycle ended before the policy was asked)")
            continue
        episodes.append(episode)
        if (i + 1) % 500 == 0:
            progress(f"read {i + 1}/{len(files)} episode files")
    return episodes, torn, problems


def feature_stats(np, values):
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    stats = {
        "min": array.min(axis=0).tolist(),
        "max": array.max(axis=0).tolist(),
        "mean": array.mean(axis=0).tolist(),
        "std": array.std(axis=0).tolist(),
        "count": [int(array.shape[0])],
    }
    for q in QUANTILES:
        stats[f"q{int(round(q * 100)):02d}"] = np.quantile(array, q, axis=0).tolist()
    return stats


TRACE_EXTRAS = ("policy.latency_ms", "shadow.divergence_rad")


TRACE_ENCODING = "float32-le-base64"


def as_trace_episode(episode):
    """The episode with its frames replaced by control's trace samples (None without a trace).
    The trace's arrays are little-endian float32 in base64, sample-major (docs/episodes.md)."""
    import base64

    import numpy as np

    trace = episode.get("trace")
    if not trace or not trace.get("samples"):
        return None
    if trace.get("encoding") != TRACE_ENCODING:
        raise ValueError(f"trace encoding {trace.get('encoding')!r}; this exporter reads {TRACE_ENCODING}")
    joints, gripper, samples = trace["joint_names"], trace["gripper_name"], trace["samples"]

    def array(key, width):
        values = np.frombuffer(base64.b64decode(trace[key]), dtype="<f4")
        if values.size != samples * width:
            raise ValueError(f"trace {key} holds {values.size} values, not {samples} x {width}")
        return values.reshape(samples, width)

    time_s = array("time_s", 1)[:, 0]
    state = np.concatenate([array("position_rad", len(joints)), array("velocity_rad_per_s", len(joints)),
                            array("gripper_width_m", 1)], axis=1)
    action = np.concatenate([array("commanded_position_rad", len(joints)), array("commanded_gripper_width_m", 1)], axis=1)
    frames = [{"time_s": float(t), "state": s.tolist(), "action": a.tolist()} for t, s, a in zip(time_s, state, action)]
    return dict(
        episode, frames=frames, replan_hz=1000 / trace["period_ms"],
        state_names=[f"{j}.pos" for j in joints] + [f"{j}.vel" for j in joints] + [f"{gripper}.width"],
        action_names=[f"{j}.target" for j in joints] + [f"{gripper}.target_width"])


VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"


def ffmpeg_tool(name):
    path = shutil.which(name)
    if not path:
        fail(f"camera video needs {name} (Debian: apt-get install ffmpeg); export without it with --video off")
    return path


def mp4_sample_count(path):
    """The video frames of an MP4 as its sample table says (moov/trak/mdia/minf/stbl/stsz), read
    without a process; None when the file is not laid out that way."""
    import struct

    def boxes(data, start, end):
        while start + 8 <= end:
            size, kind = struct.unpack(">I4s", data[start:start + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[start + 8:start + 16])[0], 16
            elif size == 0:
                size = end - start
            if size < header or start + size > end:
                return
            yield kind, start + header, start + size
            start += size

    with open(path, "rb") as f:
        data = f.read()
    path_down = [b"moov", b"trak", b"mdia", b"minf", b"stbl"]

    def find(start, end, depth):
        for kind, body, stop in boxes(data, start, end):
            if depth == len(path_down) and kind == b"stsz":
                sample_size, count = struct.unpack(">II", data[body + 4:body + 12])
                return count
            if depth < len(path_down) and kind == path_down[depth]:
                found = find(body, stop, depth + 1)
                if found is not None:
                    return found
        return None

    return find(0, len(data), 0)


def video_frames(path):
    """The number of video frames in `path`: from its sample table, else ffprobe's count."""
    import subprocess
    try:
        count = mp4_sample_count(path)
    except (OSError, ValueError, IndexError, __import__("struct").error):
        count = None
    if count is not None:
        return count
    out = subprocess.run(
        [ffmpeg_tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-count_packets",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
        capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise ValueError(out.stderr.strip() or f"ffprobe exit {out.returncode}")
    return int(out.stdout.strip().split(",")[0])


def usable_videos(source, episodes, frames_kind, mode):
    """The camera roles to export as video, and the episodes kept (those whose videos are sound).
    No video when asked not to, for trace frames, or when the episodes do not all carry the same
    cameras (a note says why)."""
    if mode == "off" or not episodes:
        return [], episodes
    def layout(e):
        return tuple(sorted((v["role"], v["width_px"], v["height_px"]) for v in (e.get("videos") or [])))
    first = layout(episodes[0])
    if not first:
        if any(layout(e) for e in episodes):
            progress("no video: only some of the episodes carry camera images")
        return [], episodes
    if frames_kind != "replans":
        progress("no video: camera images are recorded per replan, not per trace sample")
        return [], episodes
    if any(layout(e) != first for e in episodes):
        progress("no video: the episodes do not all carry the same cameras and sizes")
        return [], episodes
    kept = []
    for e in episodes:
        problem = None
        for v in e["videos"]:
            path = os.path.join(source, v["file"])
            if not os.path.isfile(path):
                problem = f"video {v['file']} is missing"
                break
            try:
                n = video_frames(path)
            except (ValueError, OSError, IndexError) as error:
                problem = f"video {v['file']} is unreadable ({error})"
                break
            if n != len(e["frames"]):
                problem = f"video {v['file']} holds {n} images for {len(e['frames'])} frames"
                break
        if problem:
            print(f"lerobot_export: skipped {e['cycle_id']}: {problem}", file=sys.stderr)
        else:
            kept.append(e)
    return [role for role, _, _ in first], kept


def write_videos(np, source, episodes, roles, target, fps):
    """Joins each camera's episode videos into one file per camera (stream copy); returns the
    features, per-episode columns and statistics to add."""
    import subprocess
    features, columns, stats, episode_stats = {}, [dict() for _ in episodes], {}, [dict() for _ in episodes]
    lengths = [len(e["frames"]) for e in episodes]
    starts = np.concatenate([[0], np.cumsum(lengths)])
    step = max(1, min(10, min(lengths)))
    for role in roles:
        key = f"observation.images.{role}"
        videos = [next(v for v in e["videos"] if v["role"] == role) for e in episodes]
        width, height = videos[0]["width_px"], videos[0]["height_px"]
        path = os.path.join(target, VIDEO_PATH.format(video_key=key, chunk_index=0, file_index=0))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        listing = path + ".txt"
        with open(listing, "w") as f:
            for v in videos:
                name = os.path.abspath(os.path.join(source, v["file"])).replace("'", "'\\''")
                f.write(f"file '{name}'\n")
        out = subprocess.run(
            [ffmpeg_tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-f", "concat", "-safe", "0",
             "-i", listing, "-c", "copy", "-f", "mp4", "-y", path],
            capture_output=True, text=True, timeout=600)
        os.remove(listing)
        if out.returncode != 0:
            fail(f"ffmpeg could not join the {role} videos: {out.stderr.strip()}")
        progress(f"joined {len(videos)} {role} videos ({os.path.getsize(path) / 1e6:.1f} MB)")
        # Every `step`-th frame, decoded to grey, for the image statistics.
        decoded = subprocess.run(
            [ffmpeg_tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-i", path, "-vf",
             f"select=not(mod(n\\,{step}))", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray",
             "pipe:1"], capture_output=True, timeout=600)
        if decoded.returncode != 0:
            fail(f"ffmpeg could not decode {path}: {decoded.stderr.decode(errors='replace').strip()}")
        images = np.frombuffer(decoded.stdout, dtype=np.uint8).reshape(-1, height * width)
        sampled = np.arange(0, starts[-1], step)[: images.shape[0]]

        def image_stats(pixels):
            values = pixels.astype(np.float64) / 255.0
            per_channel = lambda v: [[[float(v)]]] * 3  # noqa: E731  LeRobot's (3, 1, 1) shape
            return {"min": per_channel(values.min()), "max": per_channel(values.max()),
                    "mean": per_channel(values.mean()), "std": per_channel(values.std()),
                    "count": [int(pixels.shape[0])]}

        stats[key] = image_stats(images)
        for i, e in enumerate(episodes):
            mine = images[(sampled >= starts[i]) & (sampled < starts[i + 1])]
            episode_stats[i][key] = image_stats(mine if mine.size else images[:1])
            columns[i].update({
                f"videos/{key}/chunk_index": 0,
                f"videos/{key}/file_index": 0,
                f"videos/{key}/from_timestamp": float(starts[i] / fps),
                f"videos/{key}/to_timestamp": float(starts[i + 1] / fps),
            })
        features[key] = {
            "dtype": "video", "shape": [height, width, 3], "names": ["height", "width", "channels"],
            "info": {
                "video.height": height, "video.width": width, "video.codec": videos[0].get("codec", "h264"),
                "video.pix_fmt": videos[0].get("pixel_format", "yuv420p"), "video.is_depth_map": False,
                "video.fps": fps, "video.channels": 3, "has_audio": False,
            },
        }
    return features, columns, stats, episode_stats


def export(episodes, target, extras=TRACE_EXTRAS, source=None, video_roles=()):
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    state_names = episodes[0]["state_names"]
    action_names = episodes[0]["action_names"]
    fps = episodes[0]["replan_hz"]
    for e in episodes:
        if e["state_names"] != state_names or e["action_names"] != action_names or e["replan_hz"] != fps:
            fail(f"episode {e['cycle_id']} has other state/action names or fps than the first; export them apart")

    tasks = sorted({e.get("task", "") for e in episodes})
    task_index = {t: i for i, t in enumerate(tasks)}

    rows = {k: [] for k in (
        "observation.state", "action", "timestamp", "frame_index", "episode_index", "index", "task_index",
        "next.done", "next.reward", "cycle_time_s") + tuple(extras)}
    episode_rows = []
    index = 0
    for episode_index, e in enumerate(episodes):
        frames = e["frames"]
        start = index
        ok = e["outcome"] == "ok"
        for frame_index, f in enumerate(frames):
            action = f["action"] if len(f["action"]) == len(action_names) else [math.nan] * len(action_names)
            last = frame_index == len(frames) - 1
            rows["observation.state"].append(np.asarray(f["state"], dtype=np.float32))
            rows["action"].append(np.asarray(action, dtype=np.float32))
            rows["timestamp"].append(np.float32(frame_index / fps))
            rows["frame_index"].append(frame_index)
            rows["episode_index"].append(episode_index)
            rows["index"].append(index)
            rows["task_index"].append(task_index[e.get("task", "")])
            rows["next.done"].append(last)
            rows["next.reward"].append(np.float32(1.0 if (last and ok) else 0.0))
            rows["cycle_time_s"].append(np.float32(f["time_s"]))
            if "policy.latency_ms" in rows:
                rows["policy.latency_ms"].append(np.float32(f.get("latency_ms", 0.0)))
            if "shadow.divergence_rad" in rows:
                # A shadow model's distance from the executed chunk (NaN where none ran).
                divergence = f.get("shadow_divergence_rad")
                rows["shadow.divergence_rad"].append(np.float32(math.nan if divergence is None else divergence))
            index += 1
        episode_rows.append({
            "episode_index": episode_index,
            "tasks": [e.get("task", "")],
            "length": len(frames),
            "data/chunk_index": 0,
            "data/file_index": 0,
            "dataset_from_index": start,
            "dataset_to_index": index,
            "meta/episodes/chunk_index": 0,
            "meta/episodes/file_index": 0,
            "cycle_id": e["cycle_id"],
            "robot": e["robot"],
            "cell": e.get("cell", ""),
            "outcome": e["outcome"],
            "failure_code": e.get("failure_code", ""),
            "attempts": int(e.get("attempts", 0)),
            "cycle_ms": int(e.get("cycle_ms", 0)),
            "model_version": e.get("model_version", ""),
            "shadow_model_version": next(
                (f["shadow_version"] for f in frames if f.get("shadow_version")), ""),
            "started_at": e.get("started_at", ""),
        })

    n_state, n_action = len(state_names), len(action_names)
    schema = pa.schema([
        ("observation.state", pa.list_(pa.float32(), n_state)),
        ("action", pa.list_(pa.float32(), n_action)),
        ("timestamp", pa.float32()),
        ("frame_index", pa.int64()),
        ("episode_index", pa.int64()),
        ("index", pa.int64()),
        ("task_index", pa.int64()),
        ("next.done", pa.bool_()),
        ("next.reward", pa.float32()),
        ("cycle_time_s", pa.float32()),
    ] + [(name, pa.float32()) for name in extras])
    table = pa.Table.from_pydict(
        {k: (pa.array([v.tolist() for v in rows[k]], type=schema.field(k).type)
             if k in ("observation.state", "action") else rows[k]) for k in schema.names},
        schema=schema)

    os.makedirs(target, exist_ok=True)
    data_path = os.path.join(target, DATA_PATH.format(chunk_index=0, file_index=0))
    os.makedirs(os.path.dirname(data_path), exist_ok=True)
    pq.write_table(table, data_path)

    # Per-episode statistics, as LeRobot keeps them beside each episode's row.
    stats_by_feature = {
        "observation.state": np.stack(rows["observation.state"]),
        "action": np.stack(rows["action"]),
        "timestamp": np.asarray(rows["timestamp"]),
        "frame_index": np.asarray(rows["frame_index"]),
        "episode_index": np.asarray(rows["episode_index"]),
        "index": np.asarray(rows["index"]),
        "task_index": np.asarray(rows["task_index"]),
        "next.reward": np.asarray(rows["next.reward"]),
        "cycle_time_s": np.asarray(rows["cycle_time_s"]),
    }
    for name in extras:
        stats_by_feature[name] = np.asarray(rows[name])
    for row in episode_rows:
        sl = slice(row["dataset_from_index"], row["dataset_to_index"])
        for feature, values in stats_by_feature.items():
            for stat, value in feature_stats(np, np.nan_to_num(values[sl])).items():
                row[f"stats/{feature}/{stat}"] = value

    video_features, video_stats = {}, {}
    if video_roles:
        video_features, columns, video_stats, episode_video_stats = write_videos(
            np, source, episodes, video_roles, target, fps)
        for row, extra, per_episode in zip(episode_rows, columns, episode_video_stats):
            row.update(extra)
            for feature, values in per_episode.items():
                for stat, value in values.items():
                    row[f"stats/{feature}/{stat}"] = value

    episodes_path = os.path.join(target, EPISODES_PATH.format(chunk_index=0, file_index=0))
    os.makedirs(os.path.dirname(episodes_path), exist_ok=True)
    pd.DataFrame(episode_rows).to_parquet(episodes_path, index=False)

    tasks_frame = pd.DataFrame({"task_index": list(range(len(tasks)))}, index=pd.Index(tasks, name="task"))
    tasks_frame.to_parquet(os.path.join(target, "meta", "tasks.parquet"))

    stats = {f: feature_stats(np, np.nan_to_num(v)) for f, v in stats_by_feature.items()}
    stats.update(video_stats)
    with open(os.path.join(target, "meta", "stats.json"), "w") as f:
        json.dump(stats, f, indent=2)

    def scalar(dtype):
        return {"dtype": dtype, "shape": [1], "names": None}

    features = {
        "observation.state": {"dtype": "float32", "shape": [n_state], "names": state_names},
        "action": {"dtype": "float32", "shape": [n_action], "names": action_names},
        "timestamp": scalar("float32"),
        "frame_index": scalar("int64"),
        "episode_index": scalar("int64"),
        "index": scalar("int64"),
        "task_index": scalar("int64"),
        "next.done": scalar("bool"),
        "next.reward": scalar("float32"),
        "cycle_time_s": scalar("float32"),
    }
    for name in extras:
        features[name] = scalar("float32")
    features.update(video_features)
    data_mb = os.path.getsize(data_path) / 1e6
    info = {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": "workcell_humanoid_right_arm",
        "total_episodes": len(episodes),
        "total_frames": index,
        "total_tasks": len(tasks),
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": max(100, math.ceil(data_mb)),
        "video_files_size_in_mb": 500,
        "fps": fps,
        "splits": {"train": f"0:{len(episodes)}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if video_features else None,
        "features": features,
    }
    with open(os.path.join(target, "meta", "info.json"), "w") as f:
        json.dump(info, f, indent=2)
    return index


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", required=True, help="the cell's episode directory")
    parser.add_argument("--to", dest="target", required=True, help="the dataset directory (new or empty)")
    parser.add_argument("--outcome", choices=["ok", "nok", "aborted", "all"], default="all")
    parser.add_argument("--model", default="", help="only episodes driven by this model version")
    parser.add_argument("--cycles", default="", help="only these cycle ids, comma-separated")
    parser.add_argument(
        "--frames", choices=["replans", "trace"], default="replans",
        help="a frame per replan (10 Hz: what the policy saw and answered) or per sample of control's "
             "own trace (50 Hz: what the arm did and was told)")
    parser.add_argument(
        "--video", choices=["auto", "off"], default="auto",
        help="auto: the cameras' videos when every exported episode carries them (replan frames only); off: none")
    args = parser.parse_args()

    if not os.path.isdir(args.source):
        fail(f"--from {args.source} is not a directory")
    if os.path.exists(args.target) and os.listdir(args.target):
        fail(f"--to {args.target} exists and is not empty; export into a new directory")
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as error:
        fail(f"{error}: the export needs pyarrow and pandas (scripts/python-env.sh installs them into .venv)")

    started = time.monotonic()
    cycles = {c.strip() for c in args.cycles.split(",") if c.strip()}
    episodes, torn, problems = load_episodes(args.source, args.outcome, args.model, cycles)
    for name in torn:
        print(f"lerobot_export: skipped torn episode {name} (written when the cell stopped)", file=sys.stderr)
    for problem in problems:
        print(f"lerobot_export: skipped {problem}", file=sys.stderr)
    if args.frames == "trace":
        traced = []
        for e in episodes:
            try:
                t = as_trace_episode(e)
            except (ValueError, KeyError, TypeError) as error:
                print(f"lerobot_export: skipped {e['cycle_id']}: unreadable trace ({error})", file=sys.stderr)
                continue
            if t is None:
                print(f"lerobot_export: skipped {e['cycle_id']}: no control trace in the episode", file=sys.stderr)
            else:
                traced.append(t)
        episodes = traced
    video_roles, episodes = usable_videos(args.source, episodes, args.frames, args.video)
    if not episodes:
        fail("no complete episode matched; nothing exported", status=2)
    staging = args.target.rstrip("/") + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    frames = export(episodes, staging, extras=TRACE_EXTRAS if args.frames == "replans" else (),
                    source=args.source, video_roles=video_roles)
    if os.path.exists(args.target):
        os.rmdir(args.target)
    os.rename(staging, args.target)
    elapsed = time.monotonic() - started
    summary = {
        "episodes": len(episodes), "frames": frames, "torn": torn, "skipped": problems,
        "videos": [f"observation.images.{role}" for role in video_roles],
        "to": args.target, "seconds": round(elapsed, 3),
    }
    print(json.dumps(summary))
    progress(f"exported {len(episodes)} episodes, {frames} frames to {args.target} in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
