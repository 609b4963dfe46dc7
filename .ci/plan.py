#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Splits each kernel's suite into guests of about equal length for .ci/run.

  .ci/plan.py KERNEL...

One line per guest, longest first: "KERNEL SECONDS TEST...", SECONDS being
the estimate from .ci/durations. A guest's tests keep tests/run.sh's order.
Every test tests/run.sh would run is in exactly one guest; one that
.ci/durations does not know counts as UNKNOWN seconds, so a new test makes
its guest look long rather than short.
"""
import math
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
# About what a guest should take: long enough that booting it (10-30 s)
# is small beside it, short enough that two slots finish close together.
TARGET = 240
UNKNOWN = 120
HOST_SIDE = {"qemu", "harness", "tools", "include", "modules"}


def tests():
    """Every test, in tests/run.sh's order: core first, then each group."""
    root = os.path.join(TOP, "tests")
    groups = ["core"] + sorted(d for d in os.listdir(root)
                               if d != "core" and d not in HOST_SIDE and
                               os.path.isdir(os.path.join(root, d)))
    out = []
    for g in groups:
        for f in sorted(os.listdir(os.path.join(root, g))):
            path = os.path.join(root, g, f)
            if f.endswith(".sh") and os.access(path, os.X_OK):
                out.append("%s/%s" % (g, f[:-3]))
    return out


def durations():
    est = {}
    with open(os.path.join(TOP, ".ci", "durations")) as f:
        header = None
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if header is None:
                header = words[1:]
                continue
            est[words[0]] = dict(zip(header, map(int, words[1:])))
    return est


def plan(kernel, order, est):
    cost = {t: est.get(t, {}).get(kernel, UNKNOWN) for t in order}
    bins = [[0, []] for _ in range(max(1, math.ceil(sum(cost.values()) /
                                                    TARGET)))]
    # Longest test first into the emptiest guest.
    for t in sorted(order, key=lambda t: -cost[t]):
        b = min(bins, key=lambda b: b[0])
        b[0] += cost[t]
        b[1].append(t)
    for secs, members in bins:
        if members:
            yield secs, [t for t in order if t in members]


def main():
    order, est = tests(), durations()
    guests = [(secs, k, members) for k in sys.argv[1:]
              for secs, members in plan(k, order, est)]
    for secs, k, members in sorted(guests, key=lambda g: -g[0]):
        print(k, secs, " ".join(members))


if __name__ == "__main__":
    main()
