#!/usr/bin/env python3
"""Runs a PyTorch reference script and reports what its process used, for the CPU benchmarks
(`npm run bench native`, `npm run bench vit-step`):

    python3 torch-process-usage.py SCRIPT [ARGS...]

SCRIPT runs as `__main__` with ARGS as its sys.argv (its JSON line on stdout is untouched). When it
ends, two lines go to stderr:

    peakRssKb=<the peak resident set size of the process, in KiB>
    cpuMarks=<the process's CPU time (all threads, seconds) at each time.perf_counter() call>

torch-reference.py's vit-step calls time.perf_counter() four times per step (start, after the
forward pass, after backward, after the update), so marks 4i and 4i+3 bound step i's CPU time; on a
machine shared with other work, CPU time is the steadier figure next to the wall time.
"""

import resource
import runpy
import sys
import time


def record_cpu_marks():
    """Makes time.perf_counter also note the process's CPU time; returns the list of marks."""
    wall = time.perf_counter
    marks = []

    def perf_counter():
        marks.append(time.process_time())
        return wall()

    time.perf_counter = perf_counter
    return marks


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    marks = record_cpu_marks()
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        print("peakRssKb=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
        print("cpuMarks=" + ",".join("%.6f" % m for m in marks), file=sys.stderr)


if __name__ == "__main__":
    main()
