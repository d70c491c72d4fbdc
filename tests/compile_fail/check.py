#!/usr/bin/env python3
"""Compile-fail check. The case file holds a line guarded by
`#if SESSIONLIB_CF_FAIL`. Compiled with -DSESSIONLIB_CF_FAIL=0 (the twin) it must
compile; with -DSESSIONLIB_CF_FAIL=1 it must fail, and the compiler's output
must contain every `// expect: ...` line's text (and one of each
`// expect-one-of: a | b`); with `// expect-first: ...`, the first error line
must contain that text (the sessionlib message comes before any other). So a case
cannot pass by failing for a reason other than the one it promises.
Usage: check.py CASE.cpp [--pch HEADER=WRAPPER]... -- COMPILER ARGS...
--pch: WRAPPER (which includes <HEADER>) has a precompiled header beside it, built
with the same ARGS; a case whose only sessionlib include is <HEADER> (besides
standard headers) is compiled with -include WRAPPER, which parses nothing new."""
import re
import subprocess
import sys
import tempfile

def main():
    case = sys.argv[1]
    sep = sys.argv.index('--')
    opts, cmd = sys.argv[2:sep], sys.argv[sep + 1:]
    pchs = dict(v.split('=', 1) for o, v in zip(opts[::2], opts[1::2]) if o == '--pch')
    text = open(case, encoding='utf-8').read()
    includes = re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', text, re.M)
    own = [h for h in includes if '/' in h or '.' in h]
    if len(own) == 1 and own[0] in pchs:
        # -Winvalid-pch (an error under -Werror): an unusable PCH fails the check
        # instead of silently parsing the header again.
        cmd = cmd + ['-Winvalid-pch', '-include', pchs[own[0]]]
    expects = [e.strip() for e in re.findall(r'//\s*expect:\s*(.+)', text)]
    # "// expect-one-of: a | b": compilers spell template arguments differently
    # (gcc: "[with Leaf = double]", clang: "not_fetchable<double>").
    one_ofs = [[a.strip() for a in e.split('|')] for e in re.findall(r'//\s*expect-one-of:\s*(.+)', text)]
    firsts = [e.strip() for e in re.findall(r'//\s*expect-first:\s*(.+)', text)]
    if not expects:
        print(f'{case}: no "// expect:" line'); return 1
    expect = expects[0]
    with tempfile.TemporaryDirectory() as tmp:
        def compile_with(flag):
            r = subprocess.run(cmd + [f'-DSESSIONLIB_CF_FAIL={flag}', '-fsyntax-only', case],
                               capture_output=True, text=True, cwd=tmp)
            return r.returncode, r.stdout + r.stderr
        rc, out = compile_with(0)
        if rc != 0:
            print(f'{case}: the twin (SESSIONLIB_CF_FAIL=0) does not compile:\n{out[:4000]}'); return 1
        rc, out = compile_with(1)
        if rc == 0:
            print(f'{case}: compiled, but must fail with "{expect}"'); return 1
        for e in expects:
            if e not in out:
                print(f'{case}: failed, but without "{e}":\n{out[:6000]}'); return 1
        errors = [l for l in out.splitlines() if ' error: ' in l or l.startswith('error: ')]
        for e in firsts:
            if not errors or e not in errors[0]:
                print(f'{case}: the first error is not "{e}":\n{out[:6000]}'); return 1
        for alts in one_ofs:
            if not any(a in out for a in alts):
                print(f'{case}: failed, but without any of {alts}:\n{out[:6000]}'); return 1
    pch = ' (header precompiled)' if '-include' in cmd else ''
    print(f'{case}: fails with "{expect}"; its twin compiles{pch}')
    return 0

sys.exit(main())
