#!/usr/bin/env python3
"""Charts of a `workcell-bench cell --report FILE` report, written beside it.

    scripts/plot_cell_bench.py REPORT.json        (matplotlib: .venv/bin/python, scripts/python-env.sh)

Writes REPORT.yield.png (yield and first-pass yield per arm, with their 95 % Wilson intervals as
error bars and the plant's 99.5 % as a line) and REPORT.pareto.png (one Pareto bar chart of the
failure codes per arm, counts and cumulative share). Prints the two paths. A report without arms,
or an arm without the fields the bench writes, is refused with the arm and field named (exit 1).
"""
import json
import sys
from pathlib import Path

NEEDED = ("arm", "cycles", "ok", "nok", "yield", "yield_ci_low", "yield_ci_high", "first_pass_yield",
          "fpy_ci_low", "fpy_ci_high", "pareto")


def load(path: Path) -> list:
    try:
        report = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"plot_cell_bench: cannot read {path}: {error}")
    arms = report.get("arms") if isinstance(report, dict) else None
    if not arms:
        raise SystemExit(f"plot_cell_bench: {path} has no arms (write it with workcell-bench cell --report)")
    for arm in arms:
        missing = [key for key in NEEDED if key not in arm]
        if missing:
            raise SystemExit(f"plot_cell_bench: arm {arm.get('arm', '?')!r} in {path} lacks {', '.join(missing)}")
    return arms


def interval(value, low, high):
    """Error bar lengths below and above `value` (0 where the bench had no cycles)."""
    if low is None or high is None:
        return 0.0, 0.0
    return max(0.0, value - low) * 100, max(0.0, high - value) * 100


def plot(path: Path) -> tuple:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = load(path)
    names = [a["arm"] for a in arms]
    x = range(len(arms))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(arms)), 4.5), dpi=120)
    width = 0.38
    for offset, key, low, high, label, colour in (
        (-width / 2, "yield", "yield_ci_low", "yield_ci_high", "yield", "#1f6fb4"),
        (width / 2, "first_pass_yield", "fpy_ci_low", "fpy_ci_high", "first-pass yield", "#9cc3e6"),
    ):
        values = [a[key] * 100 for a in arms]
        errors = list(zip(*[interval(a[key], a[low], a[high]) for a in arms]))
        bars = ax.bar([i + offset for i in x], values, width, yerr=errors, capsize=3, label=label, color=colour)
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:.1f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7)
    ax.axhline(99.5, color="#c0392b", linestyle="--", linewidth=1, label="plant target 99.5 %")
    ax.set_xticks(list(x))
    ax.set_xticklabels([f"{n}\nn={a['ok'] + a['nok']}" for n, a in zip(names, arms)], fontsize=8)
    lowest = min([a["first_pass_yield"] * 100 for a in arms] + [a["yield"] * 100 for a in arms])
    ax.set_ylim(max(0, lowest - 10), 100.5)
    ax.set_ylabel("% of ok + nok cycles (95 % Wilson interval)")
    ax.set_title("workcell-bench cell: yield per arm, paired seeds")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    yield_png = path.with_suffix(".yield.png")
    fig.savefig(yield_png)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(arms), figsize=(max(6, 3.2 * len(arms)), 3.6), dpi=120, squeeze=False)
    for ax, arm in zip(axes[0], arms):
        pareto = sorted(arm["pareto"].items(), key=lambda kv: (-kv[1], kv[0]))
        ax.set_title(f"{arm['arm']} ({arm['nok']} nok of {arm['ok'] + arm['nok']})", fontsize=9)
        if not pareto:
            ax.text(0.5, 0.5, "no failures", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        codes = [code for code, _ in pareto]
        counts = [count for _, count in pareto]
        ax.bar(range(len(codes)), counts, color="#e67e22")
        ax.set_xticks(range(len(codes)))
        ax.set_xticklabels(codes, rotation=45, ha="right", fontsize=7)
        ax.set_ylabel("cycles", fontsize=8)
        total = sum(counts)
        cumulative = [sum(counts[: i + 1]) / total * 100 for i in range(len(counts))]
        share = ax.twinx()
        share.plot(range(len(codes)), cumulative, color="#2c3e50", marker="o", markersize=3)
        share.set_ylim(0, 105)
        share.set_ylabel("cumulative %", fontsize=8)
    fig.tight_layout()
    pareto_png = path.with_suffix(".pareto.png")
    fig.savefig(pareto_png)
    plt.close(fig)
    return yield_png, pareto_png


def main(argv: list) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    for written in plot(Path(argv[1])):
        print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
