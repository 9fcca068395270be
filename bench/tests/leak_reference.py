#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Independent reference values for bench/tests/leak_test.c.

Pure Python, written apart from devmem_leak.c: the Theil-Sen slope as the
median of every pairwise slope (statistics.median), Kendall's S by
counting concordant minus discordant pairs, its variance with the tie
correction from the textbook formula, and Sen's interval ranks from
Gilbert (1987) ch. 16.5 (ranks rounded half up) with the normal quantile from statistics.NormalDist.
Run it to regenerate the constants quoted in the test:

	python3 bench/tests/leak_reference.py
"""
import itertools
import math
import statistics
from collections import Counter


def theil_sen(xs, ys, conf):
    pairs = [(ys[j] - ys[i]) / (xs[j] - xs[i])
             for i, j in itertools.combinations(range(len(xs)), 2)]
    slope = statistics.median(pairs)
    n = len(xs)
    ties = Counter(ys).values()
    var_s = (n * (n - 1) * (2 * n + 5)
             - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    z = statistics.NormalDist().inv_cdf(1 - (1 - conf) / 2)
    c = z * var_s ** 0.5
    big_n = len(pairs)
    ordered = sorted(pairs)
    lo_rank = min(max(math.floor((big_n - c) / 2 + 0.5), 1), big_n)
    hi_rank = min(max(math.floor((big_n + c) / 2 + 1.5), 1), big_n)
    # Kendall's S, for the record
    s = sum((ys[j] > ys[i]) - (ys[j] < ys[i])
            for i, j in itertools.combinations(range(n), 2))
    return slope, ordered[lo_rank - 1], ordered[hi_rank - 1], s, var_s, z


def main():
    xs = list(range(1, 13))
    ys = [10, 12, 11, 15, 15, 14, 18, 17, 21, 20, 20, 25]
    for conf in (0.95, 0.99):
        slope, lo, hi, s, var_s, z = theil_sen(xs, ys, conf)
        print(f"known12 conf={conf}: slope={slope!r} lo={lo!r} hi={hi!r} "
              f"S={s} VarS={var_s!r} z={z!r}")


if __name__ == "__main__":
    main()
