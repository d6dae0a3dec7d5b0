"""`make bench`: run every bench/bench_*.py and print its ratios against a baseline measured in the same run.

Each module defines `run(report, timeit)`; `report(name, measured_s, baseline_s, target)`
prints one line. Benchmarks use their own database (BENCH_DATABASE_URL, else a SQLite file
under bench/out/), never DATABASE_URL, so they never touch the portal's data.

BENCH_SCALE (`make bench SCALE=10m`) sizes the national data set (bench/dataset.py); at 10m
only the national measures run (NATIONAL below), unless names are given.
"""

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_portal.settings")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite3'}"
os.environ["DEBUG"] = "false"  # production settings, whatever .env says (DEBUG records every query)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()


def timeit(fn, *, repeat: int = 5) -> float:
    """Best of `repeat` runs, in seconds (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def report(name: str, measured: float, baseline: float, target: float | None = None, unit: str = "s") -> None:
    ratio = measured / baseline if baseline else float("inf")
    verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER TARGET")
    target_text = "" if target is None else f" (target ≤ {target:g}×)"
    print(f"{name:<58} {measured:9.4f}{unit} vs {baseline:9.4f}{unit}  ratio {ratio:5.2f}×{target_text}{verdict}", flush=True)


# The measures that read the national tree, the only ones worth their time at 10 M values.
NATIONAL = ["bench_dashboard", "bench_api"]


def main(argv: list[str]) -> int:
    from django.core.management import call_command
    from django.db import connection

    from bench.dataset import scale

    call_command("migrate", verbosity=0, interactive=False)
    print(f"== database {connection.settings_dict['NAME']} ({connection.vendor}), scale {scale()}", flush=True)
    everything = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    names = argv or (NATIONAL if scale() == "10m" else everything)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}", flush=True)
        module.run(report=report, timeit=timeit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
