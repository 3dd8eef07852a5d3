#!/usr/bin/env python3
"""Python grpcio (C-core) side of the gRPC hop benchmark (workcell.bench.v1.Echo).

    grpc_hop.py server --port P
        Serve Echo on 127.0.0.1:P (P=0: any free port). Prints exactly one line
        "READY <port>" on stdout once serving; stops on SIGTERM/SIGINT or when its parent exits.

    grpc_hop.py client --port P --mode unary|stream --count N --warmup W --payload-bytes B
        W warm-up round trips, then N timed sequential round trips against 127.0.0.1:P
        (unary: one call each on one channel; stream: one bidi stream, one request in flight).
        Prints one JSON line:
        {"mode": ..., "count": N, "p50_us": ..., "p99_us": ..., "mean_us": ..., "throughput_per_s": ...}

    grpc_hop.py selftest
        Server and client in this process, briefly; exits 0 if both modes work.

Stubs are generated at run time from Protos/workcell/bench/v1/bench.proto (found relative to this
file) with grpc_tools.protoc into a temporary directory that is deleted once they are imported.
Needs the packages in Tests/Interop/requirements.txt: run it with the venv's python
(`"$(scripts/python-env.sh)/bin/python" scripts/bench/grpc_hop.py ...`); when grpc is not
importable it re-executes itself with <repo>/.venv/bin/python (or $WORKCELL_VENV) if that exists.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PROTO_ROOT = REPO_ROOT / "Protos"
PROTO_FILE = "workcell/bench/v1/bench.proto"
HOST = "127.0.0.1"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
# No SO_REUSEPORT: binding a port someone else holds must fail instead of silently sharing it.
SERVER_OPTIONS = CHANNEL_OPTIONS + [("grpc.so_reuseport", 0)]


def _import_grpc():
    """Imports grpc and grpc_tools, re-executing under the repo's venv if they are missing."""
    try:
        import grpc  # noqa: F401
        from grpc_tools import protoc  # noqa: F401
    except ImportError as error:
        venv = Path(os.environ.get("WORKCELL_VENV") or REPO_ROOT / ".venv")
        venv_python = venv / "bin" / "python"
        if (
            venv_python.exists()
            and Path(sys.prefix).resolve() != venv.resolve()
            and not os.environ.get("_GRPC_HOP_REEXEC")
        ):
            os.environ["_GRPC_HOP_REEXEC"] = "1"
            os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
        sys.exit(
            f"grpc_hop: {error}. Install Tests/Interop/requirements.txt first: "
            'run scripts/python-env.sh and use "$venv/bin/python".'
        )


def load_stubs():
    """Generates bench_pb2 / bench_pb2_grpc into a temporary directory and imports them."""
    from grpc_tools import protoc

    proto_path = PROTO_ROOT / PROTO_FILE
    if not proto_path.is_file():
        sys.exit(f"grpc_hop: {proto_path} not found")
    try:
        import importlib.resources as resources

        well_known = str(resources.files("grpc_tools") / "_proto")
    except Exception:  # pragma: no cover - very old grpc_tools
        well_known = str(Path(protoc.__file__).parent / "_proto")

    out_dir = tempfile.mkdtemp(prefix="grpc-hop-stubs-")
    try:
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{PROTO_ROOT}",
                f"-I{well_known}",
                f"--python_out={out_dir}",
                f"--grpc_python_out={out_dir}",
                PROTO_FILE,
            ]
        )
        if status != 0:
            sys.exit(f"grpc_hop: grpc_tools.protoc failed on {proto_path} (exit {status})")
        sys.path.insert(0, out_dir)
        try:
            module = PROTO_FILE[: -len(".proto")].replace("/", ".")
            pb2 = importlib.import_module(module + "_pb2")
            pb2_grpc = importlib.import_module(module + "_pb2_grpc")
        finally:
            sys.path.remove(out_dir)
    finally:
        # Both modules are fully loaded; the generated files are not needed any more.
        shutil.rmtree(out_dir, ignore_errors=True)
    return pb2, pb2_grpc


# --- server -----------------------------------------------------------------------------------------


def start_server(pb2, pb2_grpc, port: int, workers: int = 32):
    import grpc

    class EchoServicer(pb2_grpc.EchoServicer):
        def Echo(self, request, context):
            return pb2.EchoResponse(sequence=request.sequence, payload=request.payload)

        def EchoStream(self, request_iterator, context):
            for request in request_iterator:
                yield pb2.EchoResponse(sequence=request.sequence, payload=request.payload)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=SERVER_OPTIONS)
    pb2_grpc.add_EchoServicer_to_server(EchoServicer(), server)
    try:
        bound = server.add_insecure_port(f"{HOST}:{port}")
    except RuntimeError as error:  # grpcio >= 1.60 raises instead of returning 0
        raise SystemExit(f"grpc_hop: cannot listen on {HOST}:{port}: {error}")
    if bound == 0:
        raise SystemExit(f"grpc_hop: cannot listen on {HOST}:{port}")
    server.start()
    return server, bound


def run_server(args) -> int:
    pb2, pb2_grpc = load_stubs()
    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    server, port = start_server(pb2, pb2_grpc, args.port, args.workers)
    print(f"READY {port}", flush=True)
    # Also stop when the process that started us is gone (a crashed benchmark must not leave
    # servers behind): our parent pid changes once we are re-parented.
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    server.stop(grace=1.0).wait(5.0)
    return 0


# --- client -----------------------------------------------------------------------------------------


def nearest_rank(sorted_values, percentile: float):
    """Nearest-rank percentile of an ascending list: the value at rank ceil(p/100 * n)."""
    n = len(sorted_values)
    rank = max(1, math.ceil(percentile / 100.0 * n))
    return sorted_values[min(rank, n) - 1]


def summarise(mode: str, samples_ns, wall_ns: int) -> dict:
    ordered = sorted(samples_ns)
    count = len(ordered)
    return {
        "mode": mode,
        "count": count,
        "p50_us": round(nearest_rank(ordered, 50) / 1000.0, 3),
        "p99_us": round(nearest_rank(ordered, 99) / 1000.0, 3),
        "mean_us": round(sum(ordered) / count / 1000.0, 3),
        "throughput_per_s": round(count / (wall_ns / 1e9), 1) if wall_ns > 0 else 0.0,
    }


class EchoMismatch(Exception):
    pass


def _check(request, response):
    if response.sequence != request.sequence or response.payload != request.payload:
        raise EchoMismatch(
            f"reply does not echo request {request.sequence}: got sequence {response.sequence}, "
            f"{len(response.payload)} payload bytes (sent {len(request.payload)})"
        )


def run_client_rounds(pb2, pb2_grpc, port: int, mode: str, count: int, warmup: int,
                      payload_bytes: int, timeout_s: float = 120.0) -> dict:
    import grpc

    payload = os.urandom(payload_bytes)
    requests = [pb2.EchoRequest(sequence=i, payload=payload) for i in range(warmup + count)]
    samples = []
    perf = time.perf_counter_ns

    with grpc.insecure_channel(f"{HOST}:{port}", options=CHANNEL_OPTIONS) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=10)
        except grpc.FutureTimeoutError:
            raise SystemExit(f"grpc_hop: no gRPC server reachable on {HOST}:{port} within 10 s")
        stub = pb2_grpc.EchoStub(channel)

        if mode == "unary":
            for request in requests[:warmup]:
                _check(request, stub.Echo(request, timeout=10))
            wall_start = perf()
            for request in requests[warmup:]:
                start = perf()
                response = stub.Echo(request, timeout=10)
                samples.append(perf() - start)
                _check(request, response)
            wall = perf() - wall_start

        elif mode == "stream":
            outbox: queue.Queue = queue.Queue()
            done = object()

            def request_iterator():
                while True:
                    item = outbox.get()
                    if item is done:
                        return
                    yield item

            call = stub.EchoStream(request_iterator(), timeout=timeout_s)
            try:
                for request in requests[:warmup]:
                    outbox.put(request)
                    _check(request, next(call))
                wall_start = perf()
                for request in requests[warmup:]:
                    start = perf()
                    outbox.put(request)
                    response = next(call)
                    samples.append(perf() - start)
                    _check(request, response)
                wall = perf() - wall_start
                outbox.put(done)
                for extra in call:  # the server must close the stream after our half-close
                    raise EchoMismatch(f"unexpected extra reply {extra.sequence}")
            except BaseException:
                outbox.put(done)
                call.cancel()
                raise
        else:
            raise ValueError(f"unknown mode {mode!r}")

    return summarise(mode, samples, wall)


def run_client(args) -> int:
    import grpc

    pb2, pb2_grpc = load_stubs()
    try:
        result = run_client_rounds(pb2, pb2_grpc, args.port, args.mode, args.count, args.warmup,
                                   args.payload_bytes, args.timeout)
    except grpc.RpcError as error:
        print(f"grpc_hop: RPC failed: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    except (EchoMismatch, StopIteration) as error:
        print(f"grpc_hop: bad echo: {error or 'stream ended early'}", file=sys.stderr)
        return 1
    print(json.dumps(result), flush=True)
    return 0


# --- selftest ---------------------------------------------------------------------------------------


def run_selftest(_args) -> int:
    pb2, pb2_grpc = load_stubs()
    server, port = start_server(pb2, pb2_grpc, 0)
    try:
        for mode in ("unary", "stream"):
            for payload_bytes in (0, 1024):
                result = run_client_rounds(pb2, pb2_grpc, port, mode, 200, 20, payload_bytes, 30)
                assert result["count"] == 200 and result["mode"] == mode, result
                assert 0 < result["p50_us"] <= result["p99_us"], result
                print(json.dumps({**result, "payload_bytes": payload_bytes}), flush=True)
        assert nearest_rank(list(range(1, 101)), 50) == 50
        assert nearest_rank(list(range(1, 101)), 99) == 99
        assert nearest_rank([7], 99) == 7
    finally:
        server.stop(grace=None).wait(5)
    print(f"grpc_hop selftest ok (in-process server on {HOST}:{port})", flush=True)
    return 0


# --- main -------------------------------------------------------------------------------------------


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Python grpcio side of the workcell.bench.v1.Echo hop benchmark (127.0.0.1 only)."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    server = commands.add_parser("server", help='serve Echo; prints "READY <port>" once serving')
    server.add_argument("--port", type=non_negative, default=0, help="port on 127.0.0.1 (0: pick one)")
    server.add_argument("--workers", type=positive, default=32,
                        help="server threads (each open stream holds one)")

    client = commands.add_parser("client", help="time round trips; prints one JSON line")
    client.add_argument("--port", type=positive, required=True)
    client.add_argument("--mode", choices=("unary", "stream"), required=True)
    client.add_argument("--count", type=positive, default=10000)
    client.add_argument("--warmup", type=non_negative, default=1000)
    client.add_argument("--payload-bytes", type=non_negative, default=64)
    client.add_argument("--timeout", type=float, default=300.0,
                        help="deadline in seconds for the whole stream (stream mode)")

    commands.add_parser("selftest", help="in-process server and client, briefly")

    args = parser.parse_args(argv)
    _import_grpc()
    if args.command == "server":
        return run_server(args)
    if args.command == "client":
        return run_client(args)
    return run_selftest(args)


if __name__ == "__main__":
    sys.exit(main())
