#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Independent reference values for bench/tests/stats_test.c.

Pure Python (no numpy/scipy), written separately from stats.c: quantiles by
the type-7 definition, the Mann-Whitney exact p by brute-force enumeration
of every split of the pooled sample, the normal approximation from the
textbook formula.  Run it to regenerate the constants quoted in the tests:

	python3 bench/tests/reference.py
"""
import itertools
import math
import statistics


def q7(xs, q):
    s = sorted(xs)
    h = (len(s) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def midranks(pooled):
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    ranks = [0.0] * len(pooled)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and pooled[order[j + 1]] == pooled[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def u_stat(x, y):
    """#(x > y) + #(x == y)/2 over all pairs, by definition."""
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in x for b in y)


def mw_exact(x, y):
    """P(|S - E S| >= |s - E S|) over all splits, S = rank sum of x."""
    pooled = list(x) + list(y)
    r = midranks(pooled)
    n, k = len(pooled), len(x)
    mean = k * (n + 1) / 2
    obs = abs(sum(r[:k]) - mean)
    hit = tot = 0
    for c in itertools.combinations(range(n), k):
        tot += 1
        if abs(sum(r[i] for i in c) - mean) >= obs - 1e-9:
            hit += 1
    return hit / tot


def mw_normal(x, y):
    n1, n2 = len(x), len(y)
    n = n1 + n2
    pooled = list(x) + list(y)
    counts = {}
    for v in pooled:
        counts[v] = counts.get(v, 0) + 1
    t = sum(c ** 3 - c for c in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - t / (n * (n - 1)))
    u = u_stat(x, y)
    d = u - n1 * n2 / 2
    if var <= 0 or abs(d) <= 0.5:
        return u, 0.0, 1.0
    d -= math.copysign(0.5, d)
    z = d / math.sqrt(var)
    return u, z, math.erfc(abs(z) / math.sqrt(2))


def hodges_lehmann(x, y):
    return statistics.median([b - a for a in x for b in y])


def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    run = 0.0
    for rank, i in enumerate(order):
        run = max(run, (m - rank) * p[i])
        out[i] = min(1.0, run)
    return out


def bh(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    run = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        run = min(run, m / (rank + 1) * p[i])
        out[i] = run
    return out


def t_p2(t, df, steps=200000):
    """P(|T| >= |t|) for Student's t by Simpson integration of the density
    over u in (0, 1], with T = |t| + (1 - u) / u (no special functions
    beyond lgamma, independent of stats.c's incomplete beta)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / \
        math.sqrt(df * math.pi)
    a = abs(t)

    def f(u):
        if u == 0:
            return 0.0
        x = a + (1 - u) / u
        return c * (1 + x * x / df) ** (-(df + 1) / 2) / (u * u)

    h = 1.0 / steps
    s = f(0) + f(1)
    for i in range(1, steps):
        s += f(i * h) * (4 if i % 2 else 2)
    return 2 * s * h / 3


def welch(x, y):
    mx, my = statistics.fmean(x), statistics.fmean(y)
    vx, vy = statistics.variance(x), statistics.variance(y)
    se2 = vx / len(x) + vy / len(y)
    df = se2 ** 2 / ((vx / len(x)) ** 2 / (len(x) - 1) +
                     (vy / len(y)) ** 2 / (len(y) - 1))
    return my - mx, (my - mx) / math.sqrt(se2), df


A = [12, 15, 11, 19, 14, 13, 15, 18, 30, 12]
B = [16, 18, 17, 22, 19, 17, 25, 18, 21, 20]
X = [1.1, 2.2, 3.3]
Y = [4.4, 5.5, 6.6, 7.7]
T1 = [1, 2, 2, 3, 3, 3]
T2 = [2, 3, 3, 4, 4, 5, 6]
# Large enough for the normal approximation (stats.c's exact bound).
L1 = [i % 17 for i in range(40)]
L2 = [(i * 7) % 19 + 2 for i in range(40)]

if __name__ == "__main__":
    print("A: median %.17g p90 %.17g p99 %.17g mean %.17g sd %.17g cv %.17g"
          % (q7(A, .5), q7(A, .9), q7(A, .99), statistics.mean(A),
             statistics.stdev(A), statistics.stdev(A) / statistics.mean(A)))
    print("A q0.25 %.17g q0.75 %.17g" % (q7(A, .25), q7(A, .75)))
    for name, x, y in (("A,B", A, B), ("B,A", B, A), ("X,Y", X, Y),
                       ("T1,T2", T1, T2)):
        u, z, p = mw_normal(x, y)
        print("%s: U %.17g z %.17g p_normal %.17g p_exact %.17g HL %.17g"
              % (name, u, z, p, mw_exact(x, y), hodges_lehmann(x, y)))
    u, z, p = mw_normal(L1, L2)
    print("L1,L2: U %.17g z %.17g p_normal %.17g HL %.17g"
          % (u, z, p, hodges_lehmann(L1, L2)))
    P = [0.01, 0.04, 0.03, 0.005, 0.5]
    print("holm", ["%.17g" % v for v in holm(P)])
    print("bh", ["%.17g" % v for v in bh(P)])
    print("geomean(1.1, 0.9, 1.2) %.17g" % math.exp(
        sum(math.log(v) for v in (1.1, 0.9, 1.2)) / 3))
    print("min p 5/5 %.17g 3/3 %.17g" % (2 / math.comb(10, 5),
                                         2 / math.comb(6, 3)))
    print("t_p2(2, 2) %.17g (closed form %.17g)" % (t_p2(2, 2),
          1 - 2 / math.sqrt(6)))
    print("t_p2(3, 1) %.17g t_p2(2.5, 7.3) %.17g t_p2(0.4, 30) %.17g"
          % (t_p2(3, 1), t_p2(2.5, 7.3), t_p2(0.4, 30)))
    d, t, df = welch(A, B)
    print("welch A,B: diff %.17g t %.17g df %.17g p %.17g"
          % (d, t, df, t_p2(t, df)))
    d, t, df = welch(X, Y)
    print("welch X,Y: diff %.17g t %.17g df %.17g p %.17g"
          % (d, t, df, t_p2(t, df)))
    se = statistics.stdev(X) * math.sqrt(1 + 1 / 3)
    print("predict X,9.9: t %.17g p %.17g"
          % ((9.9 - statistics.fmean(X)) / se,
             t_p2((9.9 - statistics.fmean(X)) / se, 2)))
