"""Cost of the value-dependency computations of the MABN paper as N and T grow.

Compares, for random time-invariant couplings (edge probability 3/N, so about 3 in-neighbours per
graph): (a) ancestor search in the full MABN over horizon T (Property 3.3, networkx graph built
each time), (b) the set recursion (10), (c) ancestor search in the folded MABN G_F (horizon-free).
Run: ``python bench/bench_mabn.py [--quick]``; prints a table of median wall-clock seconds.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from verify import mabn as M  # noqa: E402


def timeit(fn, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main(quick: bool = False):
    Ns = (5, 10, 20, 40) if quick else (5, 10, 20, 40, 80)
    Ts = (4, 16) if quick else (4, 16, 64)
    rng = np.random.default_rng(0)
    print(f"{'N':>4} {'T':>4} {'MABN nodes':>10} {'MABN reach [s]':>15} {'eq.(10) [s]':>12} {'folded [s]':>11} {'agree':>6}")
    for n in Ns:
        c0 = M.random_couplings(rng, n, 0, min(1.0, 3.0 / n))
        for T in Ts:
            c = c0.with_horizon(T)
            out = {}
            t_reach = timeit(lambda: out.__setitem__("r", M.vd_sets_mabn(M.build_mabn(c), n, T, 0)))
            t_rec = timeit(lambda: out.__setitem__("e", M.vd_sets_eq10(c, 0)))
            t_fold = timeit(lambda: out.__setitem__("f", M.vd_sets_folded(M.folded_mabn(c0), n)))
            agree = out["r"] == out["e"] and (T < n - 1 or out["f"] == out["r"])
            print(f"{n:>4} {T:>4} {3 * n * (T + 1):>10} {t_reach:>15.4f} {t_rec:>12.4f} {t_fold:>11.4f} {str(agree):>6}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
