"""`make chaos-input`: the reliability suite's bad-input part (issue 14), a benchmark-style run, not part of `make test`.

Starts one azsim, runs playbooks/deploy.yml (local inventory) once per variable set of tests/chaos/bad_input.yml,
BAD_INPUT_WORKERS (default 2) at a time, and checks that each run fails before any write (azsim's request log) with a
message naming the variable the operator set. Prints a line per set and a summary line; exits 1 when a set passes
through. BAD_INPUT_ONLY=id1,id2 runs some sets only; BAD_INPUT_VERBOSE=1 prints every failure message.
"""

import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "azsim"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from integration import bad_input  # noqa: E402
from integration.stack import started_azsim  # noqa: E402


def run():
    """Runs the sets and prints a line per set; returns (summary line, exit code)."""
    sets = bad_input.load_sets()
    only = [s for s in os.environ.get("BAD_INPUT_ONLY", "").split(",") if s]
    if only:
        sets = [s for s in sets if s["id"] in only]
    workers = int(os.environ.get("BAD_INPUT_WORKERS", "2"))
    t0 = time.monotonic()
    with started_azsim(tempfile.mkdtemp(prefix="azsim-bad-input-")) as sim:
        results = bad_input.run_sets(sim, sets, workers=workers)
    wall = time.monotonic() - t0
    failed = [r for r in results if r["problems"]]
    for r in results:
        status = "ok  " if not r["problems"] else "FAIL"
        print(f"{status} {r['id']:<40} names {r['expect']:<40} rc {r['rc']} {r['seconds']:5.1f} s  writes {r['writes']}"
              + ("" if not r["problems"] else "  <- " + "; ".join(r["problems"])))
    for r in (results if os.environ.get("BAD_INPUT_VERBOSE") else failed):
        print(f"\n--- {r['id']}:\n{r['message']}")
    total_writes = sum(r["writes"] for r in results)
    summary = (f"bad input: {len(results) - len(failed)}/{len(results)} sets refused before any write, naming the variable; "
               f"{total_writes} writes; {wall:.0f} s wall with {workers} workers "
               f"({sum(r['seconds'] for r in results) / max(len(results), 1):.1f} s per run)")
    return summary, (1 if failed else 0)


def main():
    summary, rc = run()
    print("\n" + summary)
    return rc


if __name__ == "__main__":
    sys.exit(main())
