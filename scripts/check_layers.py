#!/usr/bin/env python3
"""Checks that sessionlib's headers include only their own layer and lower ones.

The layers, lowest first: core <- graph <- runtime <- ops <- session <- train
(data/ sits beside train; graph_def/ and mpi/, the opt-in GraphDef and MPI parts, are above them all).
fwd.hpp and config.hpp (forward declarations; how out-of-line code is compiled)
are below every layer and include nothing of sessionlib's; the umbrella may
include everything.
Prints each offending include and exits 1 when there is one.

    python3 scripts/check_layers.py [include/sessionlib]
"""
import pathlib
import re
import sys

LAYERS = {"core": 0, "graph": 1, "runtime": 2, "ops": 3, "session": 4, "train": 5, "data": 5, "graph_def": 6, "mpi": 6}
BASE = ("fwd.hpp", "config.hpp")  # top-level headers every layer may include
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def layer_of(rel: pathlib.PurePosixPath):
    """The layer of a header given its path below include/sessionlib, or None for top-level files."""
    return LAYERS.get(rel.parts[0]) if len(rel.parts) > 1 else None


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "include/sessionlib").resolve()
    bad = []
    for header in sorted(root.rglob("*.hpp")):
        rel = pathlib.PurePosixPath(header.relative_to(root).as_posix())
        text = header.read_text()
        includes = INCLUDE.findall(text)
        if rel.name in BASE and len(rel.parts) == 1:
            bad += [f"{rel}: includes {inc} ({rel.name} includes nothing of sessionlib's)" for inc in includes]
            continue
        mine = layer_of(rel)
        if mine is None:
            continue  # the umbrellas
        for inc in includes:
            target = (header.parent / inc).resolve()
            try:
                trel = pathlib.PurePosixPath(target.relative_to(root).as_posix())
            except ValueError:
                continue  # outside sessionlib
            theirs = layer_of(trel)
            if theirs is None:
                if trel.name not in BASE:
                    bad.append(f"{rel}: includes the umbrella {trel}")
            elif theirs > mine:
                bad.append(f"{rel} ({rel.parts[0]}) includes {trel} ({trel.parts[0]}), a higher layer")
    for line in bad:
        print("check_layers:", line)
    if not bad:
        print("check_layers: every header includes only its own layer and lower ones")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
