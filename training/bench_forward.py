"""The anchor of `workcell-bench policy`: PyTorch's forward pass of a policy file (the same
network the Swift runtime runs), one thread, timed per call at one batch size. Prints one JSON
line: {"count", "p50_us", "p99_us", "mean_us"}.

  python training/bench_forward.py --model FILE --batch 8 --count 20000 [--warmup 1000]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench_forward.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=1000)
    args = parser.parse_args(argv)
    import numpy as np
    import torch

    import policy_mlp

    torch.set_num_threads(1)
    model, _ = policy_mlp.load(args.model)
    model.eval()
    generator = torch.Generator().manual_seed(1)
    # Features around the model's own normalisation: typical inputs, not zeros.
    x = model.input_mean + model.input_std * torch.randn(args.batch, model.layer_sizes[0], generator=generator)
    samples = np.empty(args.count)
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(x)
        for i in range(args.count):
            started = time.perf_counter_ns()
            model(x)
            samples[i] = (time.perf_counter_ns() - started) / 1000
    samples.sort()
    rank = lambda q: float(samples[max(int(np.ceil(q * len(samples))) - 1, 0)])  # nearest rank
    print(json.dumps({"count": args.count, "p50_us": rank(0.5), "p99_us": rank(0.99), "mean_us": float(samples.mean())}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
