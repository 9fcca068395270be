#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Regenerate the recorded inputs in bench/tests/data/.

The valid files are built here, in Python, with summaries computed by
reference.py, independently of bench/lib/results.c; the invalid ones are
mutations of a valid file, each breaking one rule of results/SCHEMA.md.
The expected error message of each is listed in results_test.c.  Most
are devmem-bench/1 files (the reader still takes them); the *-v2-* ones are
devmem-bench/2: the workload in every config, free-form configs.

	python3 bench/tests/gen-data.py
"""
import copy
import json
import os
import random
import statistics

from reference import q7

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def summary(xs):
    n = len(xs)
    if n == 0:
        return {k: None for k in ("min", "max", "median", "p90", "p99",
                                  "mean", "stddev", "cv")} | {"n": 0}
    mean = statistics.fmean(xs)
    sd = statistics.stdev(xs) if n > 1 else None
    cv = sd / abs(mean) if sd is not None and mean != 0 else None
    return {"n": n, "min": min(xs), "max": max(xs), "median": q7(xs, .5),
            "p90": q7(xs, .9), "p99": q7(xs, .99), "mean": mean,
            "stddev": sd, "cv": cv}


def metric(unit, better, xs):
    return {"unit": unit, "better": better, "samples": xs,
            "summary": summary(xs)}


def env(accel="tcg"):
    return {
        "kernel": {"release": "6.12.22-amd64",
                   "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.12.22-1",
                   "config_hash": "sha256:" + "ab" * 32,
                   "cmdline": "console=ttyS0 quiet",
                   "name": "debian-6.12", "series": None, "revision": None},
        "accel": accel,
        "cpu": {"model": "QEMU Virtual CPU version 2.5+", "count": 2},
        "memory_bytes": 2 << 30,
        "qemu": {"version": "7.2.15",
                 "args": ["-machine", "pc,nvdimm=on", "-m",
                          "2G,slots=4,maxmem=16G"]},
        "ndctl_version": "76.1",
        "tracing": "function_graph",
    }


def result(rng, rid, mode, align, size, base_ns):
    add = [int(rng.gauss(base_ns, base_ns * 0.03)) for _ in range(20)]
    rem = [int(rng.gauss(base_ns / 2, base_ns * 0.02)) for _ in range(20)]
    init = [int(x * 0.6) for x in add]
    pages = size // 4096
    return {
        "id": rid,
        "config": {"mode": mode, "map": "mem", "align_bytes": align,
                   "size_bytes": size, "driver": "sysfs"},
        "metrics": {
            "add_ns": metric("ns", "lower", add),
            "remove_ns": metric("ns", "lower", rem),
            "phase.memmap_init_zone_device_ns": metric("ns", "lower", init),
            "memmap_init_ns_per_page": metric(
                "ns/page", "lower", [x / pages for x in init]),
            "memmap_bw_ratio": metric(
                "ratio", "higher", [round(rng.uniform(0.2, 0.3), 4)
                                    for _ in range(20)]),
            "memmap_pages": metric("pages", "lower", [pages // 64] * 20),
            "memfree_delta_bytes": metric("bytes", "higher",
                                          [-(size // 64)] * 20),
        },
        "invariant_violations": [],
    }


def valid_full():
    rng = random.Random(5)
    doc = {
        "schema": "devmem-bench/1",
        "tool": "devmem-bench",
        "suite_version": "v0.1-12-g1234567",
        "timestamp": "2024-11-25T03:50:09Z",
        "environment": env(),
        "parameters": {"warmup": 3, "cycles": 20, "driver": "sysfs",
                       "sizes": ["256M", "1G"]},
        "results": [
            result(rng, "devdax-mem-2M-1G", "devdax", 2 << 20, 1 << 30,
                   9_000_000),
            result(rng, "devdax-mem-4K-256M", "devdax", 4096, 256 << 20,
                   4_000_000),
            {"id": "devdax-mem-1G-1G",
             "config": {"mode": "devdax", "map": "mem",
                        "align_bytes": 1 << 30, "size_bytes": 1 << 30,
                        "driver": "sysfs"},
             "skipped": "region alignment cannot hold align 1G",
             "metrics": {}, "invariant_violations": []},
        ],
    }
    doc["results"][0]["invariant_violations"].append(
        {"cycle": 7, "check": "nr_memmap_pages",
         "detail": "nr_memmap_pages 4096 above baseline after remove"})
    return doc


def valid_minimal():
    return {
        "schema": "devmem-bench/1", "tool": "devmem-bench",
        "suite_version": "unknown", "timestamp": "2024-01-01T00:00:00Z",
        "environment": {
            "kernel": {"release": "6.1.0-28-amd64", "version": "#1",
                       "config_hash": None, "cmdline": "", "name": "debian-6.1",
                       "series": None, "revision": None},
            "accel": "bare-metal", "cpu": {"model": "x", "count": 1},
            "memory_bytes": 1, "qemu": None, "ndctl_version": None,
            "tracing": "none"},
        "parameters": {"warmup": 0, "cycles": 1},
        "results": [{"id": "fsdax-dev-2M-256M",
                     "config": {"mode": "fsdax", "map": "dev",
                                "align_bytes": 2097152,
                                "size_bytes": 268435456,
                                "driver": "ndctl-cli"},
                     "metrics": {"add_ns": metric("ns", "lower", [1000]),
                                 "empty_ns": metric("ns", "lower", [])},
                     "invariant_violations": []}],
    }


def v2(doc, fn=None):
    """A /1 document as /2: the workload named in every config."""
    doc["schema"] = "devmem-bench/2"
    for r in doc["results"]:
        r["config"] = {"workload": "ns-cycle"} | r["config"]
    if fn:
        fn(doc)
    return doc


def v2_workload():
    """/2 runs of workloads unknown to compare and the dashboard."""
    rng = random.Random(7)
    doc = valid_minimal()
    doc["schema"] = "devmem-bench/2"
    doc["parameters"] = {"warmup": 0, "cycles": 12}
    widgets = [rng.randint(90, 110) for _ in range(12)]
    doc["results"] = [
        {"id": "made-up.odd",
         "config": {"workload": "made-up", "variant": "odd", "threads": 3,
                    "hot": True, "flavour": "strange"},
         "metrics": {
             "widgets": metric("count", "higher", widgets),
             "leak_bytes_per_cycle": metric("bytes", "lower",
                                            [0] * 12),
         },
         "invariant_violations": []},
        {"id": "soak.devdax-mem-2M-256M",
         "config": {"workload": "soak", "mode": "devdax", "map": "mem",
                    "align_bytes": 2 << 20, "size_bytes": 256 << 20,
                    "driver": "sysfs", "cycles": 1000},
         "metrics": {"slab_slope_bytes": metric("bytes", "lower",
                                                [12, -4, 0, 8])},
         "invariant_violations": []},
    ]
    return doc


def write(name, text):
    with open(os.path.join(DATA, name), "w") as f:
        f.write(text)


def dump(doc):
    return json.dumps(doc, indent=1) + "\n"


def mutate(fn):
    doc = valid_full()
    fn(doc)
    return dump(doc)


def m0(doc):
    return doc["results"][0]["metrics"]


def main():
    os.makedirs(DATA, exist_ok=True)
    full = dump(valid_full())
    write("valid-full.json", full)
    write("valid-minimal.json", dump(valid_minimal()))

    write("bad-syntax.json", '{"schema": "devmem-bench/1", "tool": }\n')
    write("bad-truncated.json", full[:len(full) // 2])
    write("bad-empty.json", "")
    write("bad-top-array.json", "[1, 2, 3]\n")
    write("bad-trailing.json", full + "garbage\n")
    write("bad-nul.json", full[:100] + "\0" + full[100:])
    write("bad-deep.json", full.replace('"sizes": [',
                                        '"sizes": [' + "[" * 100 + "]" * 100
                                        + ", "))

    def version(d):
        d["schema"] = "devmem-bench/3"
    write("bad-version.json", mutate(version))

    def other(d):
        d["schema"] = "fio/3"
    write("bad-schema-other.json", mutate(other))

    def noschema(d):
        del d["schema"]
    write("bad-no-schema.json", mutate(noschema))

    def sample_string(d):
        m0(d)["add_ns"]["samples"][4] = str(m0(d)["add_ns"]["samples"][4])
    write("bad-sample-string.json", mutate(sample_string))

    def sample_nan(d):
        m0(d)["add_ns"]["samples"][2] = float("nan")
    write("bad-sample-nan.json", mutate(sample_nan))

    def sample_inf(d):
        m0(d)["remove_ns"]["samples"][0] = 123456789
    write("bad-sample-inf.json",
          mutate(sample_inf).replace("123456789", "1e999", 1))

    def sample_frac(d):
        m0(d)["add_ns"]["samples"][1] = 1.5
    write("bad-sample-fraction.json", mutate(sample_frac))

    def sample_neg(d):
        m0(d)["remove_ns"]["samples"][3] = -3
    write("bad-sample-negative.json", mutate(sample_neg))

    def unit(d):
        m0(d)["add_ns"]["unit"] = "furlongs"
    write("bad-unit.json", mutate(unit))

    def better(d):
        m0(d)["add_ns"]["better"] = "sideways"
    write("bad-better.json", mutate(better))

    def summary_n(d):
        m0(d)["add_ns"]["summary"]["n"] = 5
    write("bad-summary-n.json", mutate(summary_n))

    def summary_median(d):
        m0(d)["add_ns"]["summary"]["median"] += 1000
    write("bad-summary-median.json", mutate(summary_median))

    def accel(d):
        d["environment"]["accel"] = "hyperv"
    write("bad-accel.json", mutate(accel))

    def noenv(d):
        del d["environment"]
    write("bad-missing-env.json", mutate(noenv))

    def dupid(d):
        d["results"][1]["id"] = d["results"][0]["id"]
    write("bad-duplicate-id.json", mutate(dupid))

    def bigint(d):
        d["environment"]["memory_bytes"] = 99999999999999999999
    write("bad-bigint.json", mutate(bigint))

    def memstr(d):
        d["environment"]["memory_bytes"] = "2G"
    write("bad-string-number.json", mutate(memstr))

    def timestamp(d):
        d["timestamp"] = "yesterday"
    write("bad-timestamp.json", mutate(timestamp))

    def results_obj(d):
        d["results"] = {}
    write("bad-results-object.json", mutate(results_obj))

    def metric_name(d):
        m0(d)["add ns!"] = m0(d).pop("add_ns")
    write("bad-metric-name.json", mutate(metric_name))

    def long_key(d):
        m0(d)["x" * 10000] = m0(d).pop("add_ns")
    write("bad-long-key.json", mutate(long_key))

    def cycles(d):
        d["parameters"]["cycles"] = "twenty"
    write("bad-params.json", mutate(cycles))

    def viol(d):
        d["results"][0]["invariant_violations"][0]["cycle"] = -2
    write("bad-violation.json", mutate(viol))

    def qemu_args(d):
        d["environment"]["qemu"]["args"][1] = 7
    write("bad-qemu-args.json", mutate(qemu_args))

    def stddev_null(d):
        m0(d)["add_ns"]["summary"]["stddev"] = None
    write("bad-summary-null.json", mutate(stddev_null))

    def config_hash(d):
        d["environment"]["kernel"]["config_hash"] = "md5:1234"
    write("bad-config-hash.json", mutate(config_hash))

    # QEMU icount: instruction counts, consistent with the accel.
    def icount_units(d, unit="insn", per_page="insn/page"):
        for r in d["results"]:
            for m in r["metrics"].values():
                if m["unit"] == "ns":
                    m["unit"] = unit
                elif m["unit"] == "ns/page":
                    m["unit"] = per_page

    def icount_no_shift(d):
        d["environment"]["accel"] = "tcg-icount"
        icount_units(d)
    write("bad-icount-no-shift.json", mutate(icount_no_shift))

    def icount_shift3(d):
        icount_no_shift(d)
        d["environment"]["icount_shift"] = 3
    write("bad-icount-shift.json", mutate(icount_shift3))

    def icount_ns(d):
        d["environment"]["accel"] = "tcg-icount"
        d["environment"]["icount_shift"] = 0
    write("bad-icount-ns.json", mutate(icount_ns))

    def insn_tcg(d):
        icount_units(d)
    write("bad-insn-tcg.json", mutate(insn_tcg))

    def shift_tcg(d):
        d["environment"]["icount_shift"] = 0
    write("bad-shift-tcg.json", mutate(shift_tcg))

    def icount(d):
        icount_no_shift(d)
        d["environment"]["icount_shift"] = 0
    write("valid-icount.json", mutate(icount))

    # Same machine, another accelerator: refused by devmem-compare.
    def kvm(d):
        d["environment"]["accel"] = "kvm"
    write("valid-kvm.json", mutate(kvm))

    # devmem-bench/2: the same runs with their workload named, and a
    # workload the code has never heard of, with its own config keys.
    write("valid-v2-ns.json", dump(v2(valid_full())))
    write("valid-v2-workload.json", dump(v2_workload()))

    def v2_mutate(fn):
        doc = v2_workload()
        fn(doc)
        return dump(doc)

    def no_workload(d):
        del d["results"][0]["config"]["workload"]
    write("bad-v2-no-workload.json", v2_mutate(no_workload))

    def config_object(d):
        d["results"][0]["config"]["shape"] = {"sides": 3}
    write("bad-v2-config-object.json", v2_mutate(config_object))

    def config_fraction(d):
        d["results"][0]["config"]["threads"] = 2.5
    write("bad-v2-config-fraction.json", v2_mutate(config_fraction))

    def config_key(d):
        d["results"][0]["config"]["two words"] = 1
    write("bad-v2-config-key.json", v2_mutate(config_key))

    def ns_no_mode(d):
        del d["results"][0]["config"]["mode"]
    write("bad-v2-ns-no-mode.json", dump(v2(valid_full(), ns_no_mode)))

    def v1_workload(d):
        d["results"][0]["config"]["workload"] = "ns-cycle"
    write("bad-v1-workload.json", mutate(v1_workload))


if __name__ == "__main__":
    main()
