"""Time `klantwaarde generate` at a given scale: wall, CPU, peak memory, bytes written.

    .venv/bin/python scripts/profile_generate.py --customers 100000 --months 24 [--profile]

Writes to a temporary folder and removes it afterwards (pass --keep DIR to keep it).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import tempfile
import time
from pathlib import Path

from klantwaarde.generate import generate
from klantwaarde.generate.truth import truth_dir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dirty-rate", type=float, default=0.0)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile, top 25 by own time")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="kw-gen-")) / "landing"
    kwargs = dict(
        out=out,
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        dirty_rate=args.dirty_rate,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    if args.profile:
        prof = cProfile.Profile()
        summary = prof.runcall(generate, **kwargs)
    else:
        summary = generate(**kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(summary)
    print(
        f"wall {wall:.1f} s, cpu {cpu:.1f} s, max RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB, "
        f"landing {size / 1e9:.2f} GB"
    )
    if args.profile:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    if args.keep is None:
        shutil.rmtree(out.parent)
    elif truth_dir(out).exists():
        print(f"kept {out} and {truth_dir(out)}")


if __name__ == "__main__":
    main()
