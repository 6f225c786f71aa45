"""knnlib's three search indexes beside scikit-learn's, in one run, single-threaded.

Runs the brute-force benchmark (bench_brute.py) and the tree benchmark
(bench_trees.py) in one process, prints their tables, and ends with one line
per speed target of issue 2 saying whether it was met.

    .venv/bin/python benchmarks/bench_search.py            # full sizes (a few minutes)
    .venv/bin/python benchmarks/bench_search.py --quick    # small sizes, a smoke run
    .venv/bin/python benchmarks/bench_search.py --json results.json

Ratios are medians over interleaved repeats of (knnlib time / other time),
so below 1.0 means knnlib is faster. "numpy floor" is a plain NumPy brute
force (one GEMM for the whole distance table, argpartition, sort).
"""

from __future__ import annotations

import _common  # noqa: F401  (first: pins every thread pool to one thread)

import json
import sys

import bench_brute
import bench_trees
from _common import benchmark_arg_parser, thread_report


def summary_lines(rows):
    """One line per row that carries a target: what was measured against what was asked."""
    lines = []
    for row in rows:
        if "target" not in row:
            continue
        name = row.get("benchmark", "brute") if "tree" not in row else f"{row['tree']} query"
        what = f"{name:<16} {row.get('data', ''):<9} d={row.get('d', '')}"
        if "knnlib/sklearn" in row:
            measured = f"knnlib/sklearn = {row['knnlib/sklearn']:.2f}"
        else:
            measured = f"brute/kd = {row['brute/kd']:.1f}"
        lines.append(f"{'MET ' if row['met'] else 'MISS'} {what}  {measured}  (target {row['target']})")
        if "build_met" in row:
            lines.append(
                f"{'MET ' if row['build_met'] else 'MISS'} {row['tree'] + ' build':<16} "
                f"{row['data']:<9} d={row['d']}  knnlib/sklearn = {row['build knnlib/sklearn']:.2f}  (target <= 5)"
            )
        if "evaluations_met" in row:
            lines.append(
                f"{'MET ' if row['evaluations_met'] else 'MISS'} {'kd evaluations':<16} "
                f"{row['data']:<9} d={row['d']}  {row['evaluations/query']:.0f} per query  (target < 200)"
            )
    return lines


def main(argv=None):
    parser = benchmark_arg_parser(__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write every row to FILE as JSON")
    args = parser.parse_args(argv)
    forwarded = (["--quick"] if args.quick else []) + (
        ["--repeats", str(args.repeats)] if args.repeats else []
    )
    print(thread_report(), flush=True)
    print("\n== brute force ==", flush=True)
    rows = bench_brute.main(forwarded)
    print("\n== trees ==", flush=True)
    rows += bench_trees.main(forwarded)
    print("\n== targets (issue 2) ==")
    lines = summary_lines(rows)
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1, default=str)
    return 0 if all(line.startswith("MET") for line in lines) or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
