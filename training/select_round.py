#!/usr/bin/env python3
"""DAgger's last step (scripts/train-policy.sh --dagger): of the rounds' models, keep the one that
fastened most in the closed loop on the selection worlds, summed over the reports given (at 0 and
100 ms of latency in the script; later rounds win ties) — the rounds'
students do not improve monotonically, and DAgger's guarantee is for the best of them (Ross et al.,
2011). The kept model is written again under the final version (same weights, `version` and
`selected_from` in its metadata), with its round's card retitled and its loss plot.

    python training/select_round.py --round R1.safetensors:R1.json --round R2.safetensors:R2.json ... \
        --version V --out DIR
Prints the chosen round's number.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="select_round.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--round", action="append", required=True, metavar="MODEL:REPORT[,REPORT…]",
                        help="a round's model file and its workcell-train --report-json files (e.g. one per latency; "
                             "their cycles are summed), oldest first")
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    import policy_mlp

    rounds = []
    for n, item in enumerate(args.round, start=1):
        model_path, _, report_paths = item.rpartition(":")
        report = {"fastened": 0, "cycles": 0, "seeds": ""}
        for path in report_paths.split(","):
            with open(path) as f:
                one = json.load(f)
            report["fastened"] += int(one["fastened"])
            report["cycles"] += int(one["cycles"])
            report["seeds"] = one.get("seeds", "")
        rounds.append((n, model_path, report))
    best = max(rounds, key=lambda r: (r[2]["fastened"] / max(r[2]["cycles"], 1), r[0]))
    number, model_path, report = best
    model, metadata = policy_mlp.load(model_path)
    metadata = dict(metadata)
    source_version = metadata["version"]
    metadata["version"] = args.version
    metadata["selected_from"] = (f"DAgger round {number} of {len(rounds)} ({source_version}): "
                                 f"{report['fastened']}/{report['cycles']} fastened on the selection worlds")
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.version)
    policy_mlp.save(model, base + ".safetensors", metadata)
    source_base = model_path[: -len(".safetensors")]
    with open(source_base + ".md") as f:
        card = f.read()
    card = card.replace(f"# Policy model card: {source_version}", f"# Policy model card: {args.version}", 1)
    table = "\n".join(f"| {n} | {r['fastened']}/{r['cycles']} |{' **kept**' if n == number else ''}"
                      for n, _, r in rounds)
    card += (f"\n## DAgger rounds and the one kept\n\nClosed loop of each round's model on the selection worlds "
             f"(seeds {rounds[0][2].get('seeds', '?')}, through control): the best is kept "
             f"(`{source_version}`, written again as `{args.version}` with the same weights).\n\n"
             f"| round | fastened |\n|---|---|\n{table}\n")
    with open(base + ".md", "w") as f:
        f.write(card)
    if os.path.exists(source_base + ".losses.png"):
        shutil.copyfile(source_base + ".losses.png", base + ".losses.png")
    print(number)
    return 0


if __name__ == "__main__":
    sys.exit(main())
