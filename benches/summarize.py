#!/usr/bin/env python3
"""Prints the B+tree benchmark table of benches/README.md from criterion's
saved estimates (run `cargo bench -p turdb-benches --bench btree` first).

    python3 benches/summarize.py [TARGET_DIR] [KEYS]

TARGET_DIR defaults to $CARGO_TARGET_DIR, else ./target; KEYS to
$TURDB_BENCH_KEYS, else 1000000. Each cell is criterion's point estimate
(the one it prints in the middle of `time:`): the slope for point lookups,
the mean for whole loads and scans.
"""

import json
import os
import sys

VARIANTS = ["turdb_memory", "turdb_file", "sqlite_memory", "sqlite_file"]

# group, label, kind, target (per-op µs upper bound or M keys/s lower bound)
GROUPS = [
    ("point_lookup", "point lookup (cached), µs/lookup", "latency", 1.0),
    ("insert_sequential", "sequential insert, M keys/s", "throughput", 1.0),
    ("insert_random", "random insert, M keys/s", "throughput", 1.0),
    ("full_scan", "full scan, M keys/s", "throughput", 20.0),
]


def estimate(target, group, variant, keys):
    base = os.path.join(target, "criterion", group, variant, str(keys), "new")
    try:
        with open(os.path.join(base, "estimates.json")) as f:
            est = json.load(f)
        with open(os.path.join(base, "benchmark.json")) as f:
            bench = json.load(f)
    except FileNotFoundError:
        return None
    point = (est.get("slope") or est["mean"])["point_estimate"]  # ns / iteration
    elements = bench["throughput"]["Elements"]
    return point / elements  # ns per key


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target")
    keys = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("TURDB_BENCH_KEYS", "1000000"))
    print(f"{keys} keys, 8-byte keys, 100-byte values\n")
    print("| operation | TurDB memory | TurDB file | SQLite memory | SQLite file "
          "| TurDB/SQLite memory | TurDB/SQLite file | target | met? |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for group, label, kind, goal in GROUPS:
        ns = {v: estimate(target, group, v, keys) for v in VARIANTS}

        def cell(v):
            x = ns[v]
            if x is None:
                return "–"
            return f"{x / 1000:.2f}" if kind == "latency" else f"{1000 / x:.2f}"

        def speedup(backing):
            t, s = ns[f"turdb_{backing}"], ns[f"sqlite_{backing}"]
            return "–" if t is None or s is None else f"{s / t:.2f}×"

        turdb = [ns[v] for v in VARIANTS[:2] if ns[v] is not None]
        if kind == "latency":
            goal_s = f"< {goal:g} µs"
            met = turdb and all(x / 1000 < goal for x in turdb)
        else:
            goal_s = f"> {goal:g} M/s"
            met = turdb and all(1000 / x > goal for x in turdb)
        print(f"| {label} | {cell('turdb_memory')} | {cell('turdb_file')} | {cell('sqlite_memory')} "
              f"| {cell('sqlite_file')} | {speedup('memory')} | {speedup('file')} | {goal_s} "
              f"| {'yes' if met else 'no'} |")


if __name__ == "__main__":
    main()
