#!/usr/bin/env python3
"""Runs the benchmark binaries and prints one Markdown table of medians and ratios.

    python3 benchmarks/report.py --build build-bench [--repetitions 10] [--min-time 0.2]

Each binary runs once with --benchmark_repetitions and random interleaving, so the
repetitions of sessionlib, the hand-written baseline and libtorch alternate in one
process. A ratio is taken per repetition (repetition i of sessionlib against
repetition i of its peer) and the table shows the median of those ratios: ratios
read as "sessionlib is that many times as fast" (> 1: sessionlib faster).
Peak memory comes from mem_mlp / mem_mlp_torch, each model in its own process,
and from mem_infer (an inference pass, fused and unfused, one process each).
`--only mpi` runs bench_mpi_mlp (the opt-in MPI part) under mpirun on 1 and on 2
ranks and prints the flagship step's scaling and the allreduce time the overlap hides.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

BINARIES = ["overhead", "elementwise", "matmul", "mlp", "branches", "pipeline", "lstm"]


def run_binary(build, name, reps, min_time, outdir, reuse):
    exe = os.path.join(build, "benchmarks", "bench_" + name)
    out = os.path.join(outdir, name + ".json")
    if reuse and os.path.exists(out):
        with open(out) as f:
            return json.load(f)
    cmd = [exe, f"--benchmark_repetitions={reps}", "--benchmark_enable_random_interleaving=true",
           f"--benchmark_min_time={min_time}", "--benchmark_format=json", f"--benchmark_out={out}",
           "--benchmark_out_format=json"]
    print("running", " ".join(cmd[:1] + cmd[1:3]), "...", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def collect(results):
    """run_name -> {repetition_index: (real ns, bytes_per_second or None, cpu ns, items_per_second or None,
    the benchmark's JSON object, for its user counters)}."""
    runs = {}
    for b in results["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        name = b["run_name"].removesuffix("/real_time")
        t = b["real_time"] * UNIT[b["time_unit"]]
        cpu = b["cpu_time"] * UNIT[b["time_unit"]]
        runs.setdefault(name, {})[b.get("repetition_index", 0)] = (t, b.get("bytes_per_second"), cpu,
                                                                   b.get("items_per_second"), b)
    return runs


def fmt_time(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def median_time(runs, name, cpu=False):
    r = runs.get(name)
    return statistics.median(v[2] if cpu else v[0] for v in r.values()) if r else None


def median_ratio(runs, sl, peer):
    """Median over repetitions of t(peer) / t(sessionlib)."""
    a, b = runs.get(sl), runs.get(peer)
    if not a or not b:
        return None
    common = sorted(set(a) & set(b))
    return statistics.median(b[i][0] / a[i][0] for i in common) if common else None


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def rows(runs):
    """(label, sessionlib, baseline, libtorch, target text, check(sl_ns, r_base, r_torch))."""
    out = []
    ok = lambda *conds: None if any(c is None for c in conds) else all(conds)
    out.append(("overhead: c = a * b, make_callable (base: hand-written)", "overhead/callable", "overhead/hand",
                "overhead/torch", "< 500 ns; >= 5x libtorch",
                lambda t, rb, rt: ok(t, rt) and t < 500 and rt >= 5))
    out.append(("overhead: c = a * b, make_callable, Saver/tracing/threads on but idle (base: plain callable)",
                "overhead/callable_features_idle", "overhead/callable", None, "no regression (>= 0.95x)",
                lambda t, rb, rt: ok(rb) and rb >= 0.95))
    out.append(("overhead: c = a * b, run with 2 feeds", "overhead/run", "overhead/hand", "overhead/torch",
                "< 2 us", lambda t, rb, rt: ok(t) and t < 2000))
    for n in (1000, 100000, 10000000):
        tgt, chk = "", lambda t, rb, rt: None
        if n == 10000000:
            tgt, chk = ">= 0.8x hand; >= 4x libtorch", lambda t, rb, rt: ok(rb, rt) and rb >= 0.8 and rt >= 4
        if n == 1000:
            tgt, chk = ">= 10x libtorch", lambda t, rb, rt: ok(rt) and rt >= 10
        out.append((f"chain n={n:.0e}: fused (base: hand loop)", f"chain/fused/{n}", f"chain/hand/{n}",
                    f"chain/torch/{n}", tgt, chk))
        out.append((f"chain n={n:.0e}: fused into the caller's array, sl::into (base: hand loop)",
                    f"chain/fused_into/{n}", f"chain/hand/{n}", f"chain/torch/{n}", tgt, chk))
        out.append((f"chain n={n:.0e}: fused into, 1 thread (base: hand loop)", f"chain/fused_into_1thread/{n}",
                    f"chain/hand/{n}", f"chain/torch/{n}", "", lambda t, rb, rt: None))
        out.append((f"chain n={n:.0e}: fused, 1 thread (base: hand loop)", f"chain/fused_1thread/{n}",
                    f"chain/hand/{n}", f"chain/torch/{n}", "", lambda t, rb, rt: None))
        out.append((f"chain n={n:.0e}: fused, all cores vs 1 thread (base: fused, 1 thread)", f"chain/fused/{n}",
                    f"chain/fused_1thread/{n}", None, ">= 1x (not slower)", lambda t, rb, rt: ok(rb) and rb >= 0.95))
        out.append((f"chain n={n:.0e}: unfused (base: xtensor materialised)", f"chain/unfused/{n}",
                    f"chain/xtensor_materialised/{n}", f"chain/torch/{n}", "", lambda t, rb, rt: None))
        out.append((f"chain n={n:.0e}: fused (base: xtensor lazy)", f"chain/fused/{n}", f"chain/xtensor_lazy/{n}",
                    None, "", lambda t, rb, rt: None))
    for n in (256, 1024):
        for th in (1, 2):
            tgt, chk = "", lambda t, rb, rt: None
            if n == 1024:
                tgt, chk = ">= 0.95x OpenBLAS", lambda t, rb, rt: ok(rb) and rb >= 0.95
            key = f"n:{n}/threads:{th}"
            out.append((f"matmul {n}^3, {th} thread(s) (base: cblas_sgemm)", f"matmul/sessionlib/{key}",
                        f"matmul/openblas/{key}", f"matmul/torch/{key}", tgt, chk))
        out.append((f"matmul {n}^3: 2 threads vs 1 (base: sessionlib 1 thread)",
                    f"matmul/sessionlib/n:{n}/threads:2", f"matmul/sessionlib/n:{n}/threads:1", None,
                    ">= 1x (not slower)", lambda t, rb, rt: ok(rb) and rb >= 0.95))
    for th in (1, 2):
        out.append((f"MLP train step, {th} thread(s) (base: hand OpenBLAS)", f"mlp/sessionlib/threads:{th}",
                    f"mlp/hand/threads:{th}", f"mlp/torch/threads:{th}", ">= 0.8x hand; >= 1.5x libtorch",
                    lambda t, rb, rt: ok(rb, rt) and rb >= 0.8 and rt >= 1.5))
    out.append(("MLP train step: 2 threads vs 1 (base: sessionlib 1 thread)", "mlp/sessionlib/threads:2",
                "mlp/sessionlib/threads:1", None, ">= 1x (not slower)", lambda t, rb, rt: ok(rb) and rb >= 0.95))
    for th in (1, 2):  # issue 16: the LSTM example's step (static_rnn) against libtorch's nn.LSTM
        out.append((f"LSTM train step (28x28 rows, 128 units, Adam, batch 64), {th} thread(s) (base: libtorch nn.LSTM)",
                    f"lstm/sessionlib/threads:{th}", f"lstm/torch/threads:{th}", None, "",
                    lambda t, rb, rt: None))
    for opt in ("sgd", "adagrad"):
        name = {"sgd": "SGD", "adagrad": "Adagrad"}[opt]
        for n in (64, 640):
            out.append((f"embedding 100000x64 {name} step, {n} rows looked up: sparse update (base: dense update)",
                        f"embedding/{opt}/sparse/rows:{n}", f"embedding/{opt}/dense/rows:{n}", None,
                        ">= 10x" if n == 64 else "", lambda t, rb, rt: ok(rb) and rb >= 10))
        out.append((f"embedding {name} sparse step: time at 640 rows / time at 64 rows (~10x: proportional to rows)",
                    f"embedding/{opt}/sparse/rows:64", f"embedding/{opt}/sparse/rows:640", None, "", lambda t, rb, rt: None))
    for b in (2, 4):
        key = f"branches/sessionlib/branches:{b}"
        out.append((f"{b} matmul branches 512^3, intra 1: inter 2 vs 1 (base: inter 1)", f"{key}/intra:1/inter:2",
                     f"{key}/intra:1/inter:1", None, ">= 1x (not slower)", lambda t, rb, rt: ok(rb) and rb >= 0.95))
        out.append((f"{b} matmul branches 512^3: intra 2 / inter 1 vs 1 / 1 (base: inter 1)", f"{key}/intra:2/inter:1",
                     f"{key}/intra:1/inter:1", None, "", lambda t, rb, rt: None))
        out.append((f"{b} matmul branches 512^3: intra 1 / inter 2 vs intra 2 / inter 1", f"{key}/intra:1/inter:2",
                     f"{key}/intra:2/inter:1", None, "", lambda t, rb, rt: None))
    for th in (1, 2):
        out.append((f"flagship train step (MLP, Adam, batch 64) from the input pipeline, {th} thread(s) "
                    "(base: batches prepared in advance)", f"pipeline/step_queue/threads:{th}",
                    f"pipeline/step_prepared/threads:{th}", None, ">= 0.95x (within 5%)",
                    lambda t, rb, rt: ok(rb) and rb >= 0.95))
    return out


def throughput(runs):
    """examples/s of the input pipeline alone and of the steps it feeds (items_per_second, medians)."""
    names = [("input pipeline alone: IDX readers, decode, shuffle_batch, 1 runner thread", "pipeline/throughput")]
    for th in (1, 2):
        names.append((f"train step from the pipeline, {th} thread(s)", f"pipeline/step_queue/threads:{th}"))
        names.append((f"train step on prepared batches, {th} thread(s)", f"pipeline/step_prepared/threads:{th}"))
    lines = ["| throughput | examples/s | cores the process used |", "| --- | ---: | ---: |"]
    for label, name in names:
        r = runs.get(name)
        ips = [v[3] for v in r.values() if v[3]] if r else []
        cores = [v[4]["cores"] for v in r.values() if "cores" in v[4]] if r else []
        if ips:
            lines.append(f"| {label} | {statistics.median(ips):.0f} | "
                         f"{f'{statistics.median(cores):.2f}' if cores else '-'} |")
    r = runs.get("pipeline/step_queue_dequeue_time")
    if r:  # a starved step waits in its dequeue; a fed one only copies its batch out
        us = statistics.median(v[4].get("dequeue_us", 0) for v in r.values())
        share = statistics.median(v[4].get("dequeue_share", 0) for v in r.values())
        lines.append(f"| (the step's dequeue of its batch, traced, 1 thread: {us:.0f} us per step, "
                     f"{100 * share:.1f}% of the step) | | |")
    return lines


def table(runs):
    lines = ["| benchmark | sessionlib | (its CPU time) | baseline | ratio | libtorch | ratio vs libtorch | target | met? |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for label, sl, base, torch, target, check in rows(runs):
        t = median_time(runs, sl)
        if t is None and not any(k.startswith(sl.split("/")[0] + "/") for k in runs):
            continue  # that binary was not run
        if t is None:
            lines.append(f"| {label} | not run | | | | | | {target} | - |")
            continue
        rb = median_ratio(runs, sl, base)
        rt = median_ratio(runs, sl, torch) if torch else None
        met = check(t, rb, rt) if target else None
        lines.append(f"| {label} | {fmt_time(t)} | {fmt_time(median_time(runs, sl, cpu=True))} | "
                     f"{fmt_time(median_time(runs, base))} | {fmt_ratio(rb)} | "
                     f"{fmt_time(median_time(runs, torch)) if torch else '-'} | {fmt_ratio(rt)} | {target or '-'} | "
                     f"{'-' if met is None else ('yes' if met else 'NO')} |")
    return lines


def bandwidth(runs):
    variants = ["fused", "fused_1thread", "fused_into", "fused_into_1thread", "unfused", "hand", "xtensor_lazy", "xtensor_materialised", "torch"]
    lines = ["| chain GB/s (6 arrays of n floats) | " + " | ".join(variants) + " |",
             "| --- |" + " ---: |" * len(variants)]
    for n in (1000, 100000, 10000000):
        cells = []
        for v in variants:
            r = runs.get(f"chain/{v}/{n}")
            bps = [v[1] for v in r.values() if v[1]] if r else []
            cells.append(f"{statistics.median(bps) / 1e9:.2f}" if bps else "-")
        lines.append(f"| n={n:.0e} | " + " | ".join(cells) + " |")
    return lines


def memory(build, steps, threads):
    got = {}
    for exe, model in (("mem_mlp", "sessionlib"), ("mem_mlp", "hand"), ("mem_mlp_torch", "torch")):
        path = os.path.join(build, "benchmarks", exe)
        if not os.path.exists(path):
            continue
        out = subprocess.run([path, model, str(steps), str(threads)], capture_output=True, text=True)
        if out.returncode == 0:
            f = out.stdout.split()
            got[model] = (int(f[2]), int(f[4]))
    lines = [f"| peak RSS after {steps} MLP steps, {threads} thread(s) | VmHWM | before the model | target | met? |",
             "| --- | ---: | ---: | --- | --- |"]
    for model, (hwm, base) in got.items():
        target, met = "-", "-"
        if model == "sessionlib" and "torch" in got:
            target, met = "<= libtorch", "yes" if hwm <= got["torch"][0] else "NO"
        lines.append(f"| {model} | {hwm / 1024:.1f} MiB | {base / 1024:.1f} MiB | {target} | {met} |")
    return lines


def memory_infer(build, batch):
    """Peak RSS of mem_infer's inference pass, fused and unfused, each in its own process."""
    path = os.path.join(build, "benchmarks", "mem_infer")
    if not os.path.exists(path):
        return []
    lines = [f"| peak RSS of a 6-layer 1024-wide ReLU inference, batch {batch}, 3 runs, 1 thread | VmHWM | "
             "before the model | before the runs |",
             "| --- | ---: | ---: | ---: |"]
    for mode in ("unfused", "fused"):
        out = subprocess.run([path, mode, str(batch)], capture_output=True, text=True)
        if out.returncode != 0:
            lines.append(f"| sessionlib, {mode} | failed | | |")
            continue
        f = out.stdout.split()  # "<mode> VmHWM_kB n baseline_kB n before_runs_kB n ..."
        hwm, base, runs = int(f[2]), int(f[4]), int(f[6])
        lines.append(f"| sessionlib, {mode} | {hwm / 1024:.1f} MiB | {base / 1024:.1f} MiB | {runs / 1024:.1f} MiB |")
    return lines


def mpi_mlp(build, rounds, bind):
    """bench_mpi_mlp on 1 and 2 ranks (one thread each): its medians, the scaling and the hidden share."""
    exe = os.path.join(build, "benchmarks", "bench_mpi_mlp")
    if not os.path.exists(exe):
        return ["bench_mpi_mlp not built (configure with -Dmpi=enabled)"]
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI starts as root only when told twice
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    got = {}
    for np_ in (1, 2):
        cmd = ["mpirun", "-np", str(np_), "--oversubscribe", "--bind-to", bind, exe, str(rounds)]
        print("running", " ".join(cmd), "...", file=sys.stderr, flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
        vals = {}
        for line in out.splitlines()[1:]:  # "<variant> <value> [us]"
            f = line.split()
            if len(f) >= 2:
                vals[f[0]] = float(f[1])
        got[np_] = vals
    lines = ["| MLP 784-256-10 step, global batch 64, 1 thread per rank | local (no MPI) | serial allreduces | "
             "one allreduce, late | overlapped | allreduces alone | hidden share (vs serial, vs late) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for np_, v in got.items():
        lines.append(f"| {np_} rank{'s' if np_ > 1 else ''} ({64 // np_} rows each) | {v['local']:.0f} us | "
                     f"{v['serial']:.0f} us | {v['late']:.0f} us | {v['overlap']:.0f} us | {v['allreduce']:.0f} us | "
                     + (f"{v['hidden']:.2f}, {v['hidden_late']:.2f} |" if np_ > 1 else "- |"))
    one, two = got[1], got[2]
    lines.append("")
    lines.append(f"Scaling (throughput on 2 ranks / 1 rank, global batch fixed): {one['local'] / two['overlap']:.2f}x "
                 f"overlapped, {one['local'] / two['serial']:.2f}x serial, {one['local'] / two['local']:.2f}x "
                 "without the allreduces")
    return lines


def machine(build):
    model, cores = "?", os.cpu_count()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    compiler, buildtype = "?", "?"
    try:
        with open(os.path.join(build, "meson-logs", "meson-log.txt")) as f:
            for line in f:
                if line.startswith("C++ compiler for the host machine:"):
                    compiler = line.split(":", 1)[1].split('"')[0].strip().rstrip("(").strip()
                    compiler = compiler.split("(", 1)[1].rstrip(")") if "(" in compiler else compiler
                    break
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            buildtype = next(o["value"] for o in json.load(f) if o["name"] == "buildtype")
    except (OSError, KeyError, StopIteration):
        pass
    return f"{model}, {cores} cores; {compiler}, buildtype {buildtype}; {platform.system()} {platform.release()}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="Meson build directory")
    p.add_argument("--repetitions", type=int, default=10)
    p.add_argument("--min-time", type=float, default=0.2, help="seconds per repetition")
    p.add_argument("--only", nargs="*", default=BINARIES, choices=BINARIES + ["memory", "mpi"], help="subset to run")
    p.add_argument("--mpi-rounds", type=int, default=21, help="rounds of bench_mpi_mlp (--only mpi)")
    p.add_argument("--mpi-bind", default="none", help="mpirun --bind-to for bench_mpi_mlp (none, core)")
    p.add_argument("--mem-steps", type=int, default=200)
    p.add_argument("--infer-batch", type=int, default=2048, help="batch of mem_infer's inference pass")
    p.add_argument("--reuse", action="store_true", help="read a binary's JSON from --out if present, not rerun it")
    p.add_argument("--out", default=None, help="directory for the raw JSON (default: <build>/benchmark-results)")
    a = p.parse_args()
    outdir = a.out or os.path.join(a.build, "benchmark-results")
    os.makedirs(outdir, exist_ok=True)
    runs = {}
    for name in a.only:
        if name in BINARIES:
            runs.update(collect(run_binary(a.build, name, a.repetitions, a.min_time, outdir, a.reuse)))
    print(f"Machine: {machine(a.build)}\n")
    print("Command: python3 " + " ".join(sys.argv) + "\n")
    if runs:
        print("\n".join(table(runs)))
        print()
    if any(k.startswith("pipeline/") for k in runs):
        print("\n".join(throughput(runs)))
        print()
    if any(k.startswith("chain/") for k in runs):
        print("\n".join(bandwidth(runs)))
        print()
    if "mpi" in a.only:
        print("\n".join(mpi_mlp(a.build, a.mpi_rounds, a.mpi_bind)))
        print()
    if "memory" in a.only or a.only == BINARIES:
        print("\n".join(memory(a.build, a.mem_steps, 1)))
        infer = memory_infer(a.build, a.infer_batch)
        if infer:
            print()
            print("\n".join(infer))


if __name__ == "__main__":
    main()
