#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate KCIDB JSON files against results/kcidb/kcidb-v5.3.schema.json.

usage: results/kcidb/validate.py FILE...   (Debian's python3-jsonschema)

Besides the schema: ids unique per object type, and every build's
checkout_id and test's build_id present in the same file (KCIDB accepts
dangling links; devmem never writes them).  Exit 0 valid, 1 invalid, 2 usage.
"""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "kcidb-v5.3.schema.json")


def check(path, validator):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    for e in errors[:10]:
        loc = "/".join(str(p) for p in e.absolute_path)
        print(f"{path}: {loc or '(top)'}: {e.message}", file=sys.stderr)
    if errors:
        return False
    ok = True
    ids = {}
    for kind in ("checkouts", "builds", "tests"):
        seen = set()
        for obj in data.get(kind, []):
            if obj["id"] in seen:
                print(f"{path}: {kind}: duplicate id {obj['id']}",
                      file=sys.stderr)
                ok = False
            seen.add(obj["id"])
        ids[kind] = seen
    for b in data.get("builds", []):
        if b["checkout_id"] not in ids["checkouts"]:
            print(f"{path}: build {b['id']}: no checkout {b['checkout_id']}",
                  file=sys.stderr)
            ok = False
    for t in data.get("tests", []):
        if t["build_id"] not in ids["builds"]:
            print(f"{path}: test {t['id']}: no build {t['build_id']}",
                  file=sys.stderr)
            ok = False
    return ok


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    bad = [p for p in sys.argv[1:] if not check(p, validator)]
    for p in sys.argv[1:]:
        if p not in bad:
            print(f"{p}: valid KCIDB v5.3")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
