#!/usr/bin/env python3
"""What a user's build pays for sessionlib: compiler CPU time and peak memory.

    python3 benchmarks/compile_cost.py [--cxx g++] [--opt -O2] [--impl BUILD_DIR] [--only NAME,...]

Compiles, one at a time, each program below to an object file with
`/usr/bin/time -f "%U %M"` and prints a Markdown table of user CPU seconds and
peak resident memory (MB) of the compiler, plus the size of its object code:

  empty         an empty main that includes the umbrella header
  readme        the README's first program (a placeholder, two Variables, Adam)
  seed          examples/seed.cpp (c = a * b and the fetch structures)
  fashion_mnist examples/fashion_mnist.cpp, the flagship
  gen25, gen400 generated training programs of 25 and 400 typed ops: dense
                layers of distinct static widths (matmul, add, tanh), a loss
                and GradientDescent

With --impl BUILD_DIR, each program is compiled twice, back to back: header-only
and as a unit of a program that links the implementation library
(`-DSESSIONLIB_SEPARATE`, see docs/getting_started.md, "Faster builds"); the
second object is linked against BUILD_DIR/libsessionlib-impl.a, which checks
that it links. Build the library first: `ninja -C BUILD_DIR libsessionlib-impl.a`. Goals (issue 17): readme under 5 s and 400 MB at -O2,
fashion_mnist under 10 s, gen400 under 2x gen25.

The machine is shared and noisy: run it when the load is low (it prints the
load average) and compare figures taken in one sitting.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

README = r"""
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;

int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<784, 10>> w(g, sl::init::glorot_uniform<float>(), "w");
  sl::Variable<float, sl::shape<10>> b(g, sl::init::zeros<float>(), "b");
  auto logits = sl::matmul(x, w) + b;
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto train = sl::train::AdamOptimizer(1e-3f).minimize(loss);

  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  xt::xtensor<float, 2> xb = xt::zeros<float>({64, 784});
  xt::xtensor<std::int64_t, 1> yb = xt::zeros<std::int64_t>({64});
  auto [_, l] = sess.run(std::tuple{train, loss}, {{x, xb}, {y, yb}});
  return l > 0 ? 0 : 1;
}
"""

EMPTY = "#include <sessionlib/sessionlib.hpp>\nint main() { return 0; }\n"


def generated(ops):
    """A training program of about `ops` typed ops: dense layers of distinct widths."""
    layers = max(1, (ops - 4) // 5)  # each layer: 2 Variables, matmul, add, tanh
    widths = [8 + (i * 7) % 57 for i in range(layers + 1)]
    lines = ["#include <sessionlib/sessionlib.hpp>", "namespace sl = sessionlib;", "", "int main() {",
             "  sl::Graph g;",
             f"  auto h0 = sl::placeholder<float, sl::shape<sl::dyn, {widths[0]}>>(g, \"x\");"]
    for i in range(layers):
        a, b = widths[i], widths[i + 1]
        lines += [f"  sl::Variable<float, sl::shape<{a}, {b}>> w{i}(g, sl::init::glorot_uniform<float>({i + 1}), \"w{i}\");",
                  f"  sl::Variable<float, sl::shape<{b}>> b{i}(g, sl::init::zeros<float>(), \"b{i}\");",
                  f"  auto h{i + 1} = sl::tanh(sl::matmul(h{i}, w{i}) + b{i});"]
    lines += [f"  auto loss = sl::reduce_mean(sl::square(h{layers} - 1.0f));",
              "  auto train = sl::train::GradientDescentOptimizer(0.01f).minimize(loss);",
              "  sl::Session sess(g);",
              "  sess.run(sl::global_variables_initializer(g));",
              f"  xt::xtensor<float, 2> xb = xt::ones<float>({{4, {widths[0]}}});",
              "  auto [_, l] = sess.run(std::tuple{train, loss}, {{h0, xb}});",
              "  return l >= 0 ? 0 : 1;", "}", ""]
    return "\n".join(lines)


def programs(tmp):
    def write(name, text):
        path = os.path.join(tmp, name + ".cpp")
        with open(path, "w") as f:
            f.write(text)
        return path
    return [
        ("empty", write("empty", EMPTY)),
        ("readme", write("readme", README)),
        ("seed", os.path.join(ROOT, "examples", "seed.cpp")),
        ("fashion_mnist", os.path.join(ROOT, "examples", "fashion_mnist.cpp")),
        ("gen25", write("gen25", generated(25))),
        ("gen400", write("gen400", generated(400))),
    ]


def pkg_flags(*names, libs=False):
    out = subprocess.run(["pkg-config", "--libs" if libs else "--cflags", *names], check=True,
                         capture_output=True, text=True).stdout.split()
    return out


def measure(cmd):
    """(user CPU s, peak RSS MB) of cmd, which must succeed."""
    r = subprocess.run(["/usr/bin/time", "-f", "TIME %U %M", *cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    line = [l for l in r.stderr.splitlines() if l.startswith("TIME ")][-1]
    user, kb = line.split()[1:]
    return float(user), int(kb) / 1024


def text_size(obj):
    out = subprocess.run(["size", obj], check=True, capture_output=True, text=True).stdout.splitlines()[1]
    return int(out.split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--opt", default="-O2")
    ap.add_argument("--impl", metavar="BUILD_DIR", help="use the implementation library built in BUILD_DIR")
    ap.add_argument("--only", help="comma-separated program names")
    ap.add_argument("--repeat", type=int, default=1, help="compile each this many times; the table shows the minimum")
    ap.add_argument("--keep", metavar="DIR", help="keep sources and objects in DIR")
    args = ap.parse_args()

    tmp = args.keep or tempfile.mkdtemp(prefix="sessionlib-compile-cost.")
    os.makedirs(tmp, exist_ok=True)
    flags = ["-std=c++20", args.opt, "-DXTENSOR_USE_XSIMD", "-I" + os.path.join(ROOT, "include"),
             "-I" + os.path.join(ROOT, "examples")] + pkg_flags("xtensor", "openblas", "tbb")
    modes = [("header-only", [])] + ([("sessionlib-impl", ["-DSESSIONLIB_SEPARATE"])] if args.impl else [])
    only = set(args.only.split(",")) if args.only else None
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"{args.cxx} {args.opt}; load average {load} on {os.cpu_count()} cores; "
          f"user CPU s / peak RSS MB / .text KB of the object\n")
    print("| program | " + " | ".join(m for m, _ in modes) + " |")
    print("| --- |" + " ---: |" * len(modes))
    for name, src in programs(tmp):
        if only and name not in only:
            continue
        cells = []
        for mode, extra in modes:
            obj = os.path.join(tmp, f"{name}-{mode}.o")
            runs = [measure([args.cxx, *flags, *extra, "-c", src, "-o", obj]) for _ in range(args.repeat)]
            user = min(r[0] for r in runs)
            rss = min(r[1] for r in runs)
            if extra:  # the program must link against the library alone
                lib = os.path.join(args.impl, "libsessionlib-impl.a")
                subprocess.run([args.cxx, obj, lib, *pkg_flags("openblas", "tbb", "zlib", libs=True), "-pthread",
                                "-o", os.path.join(tmp, name)], check=True)
            cells.append(f"{user:.1f} s, {rss:.0f} MB, {text_size(obj) / 1024:.0f} KB")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
