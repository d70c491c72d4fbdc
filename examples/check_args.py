#!/usr/bin/env python3
"""Runs a Fashion-MNIST example with bad command lines: each must exit 2, say on
stderr what was wrong, and write no checkpoint (an atoi that read "abc" as 0
epochs used to train nothing, save model.ckpt-0 and exit 0). --help exits 0.
The data directory given does not exist, so a bad line that were accepted
would exit 77 (data missing) at once instead of training, and a good line
must do exactly that (the parser is not too strict).
Usage: check_args.py EXAMPLE"""
import os
import subprocess
import sys
import tempfile

INT_MAX = 2**31 - 1
SIZE_MAX = 2**64 - 1
CASES = [  # (arguments, the message stderr must contain)
    (['--epochs', 'abc'], f"--epochs takes a whole number from 1 to {INT_MAX}, got 'abc'"),
    (['--epochs', '-3'], "got '-3'"),
    (['--epochs', '0'], "got '0'"),
    (['--epochs', '3x'], "got '3x'"),
    (['--epochs', ' 3'], "got ' 3'"),
    (['--epochs', ''], "got ''"),
    (['--epochs', str(INT_MAX + 1)], f"got '{INT_MAX + 1}'"),
    (['--train-limit', '-5'], f"--train-limit takes a whole number from 1 to {SIZE_MAX}, got '-5'"),
    (['--train-limit', '1e3'], "got '1e3'"),
    (['--min-accuracy', '1.5'], "--min-accuracy takes a number from 0 to 1, got '1.5'"),
    (['--min-accuracy', 'nan'], "got 'nan'"),
    (['--min-accuracy', '0.5.'], "got '0.5.'"),
    (['--epochs'], '--epochs needs a value'),
    (['--bogus', '1'], "unknown option '--bogus'"),
]

def main():
    example = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'ckpt')
        base = [example, os.path.join(tmp, 'no_data'), '--out', out]
        for args, message in CASES:
            r = subprocess.run(base + args, capture_output=True, text=True, timeout=60)
            problems = []
            if r.returncode != 2: problems.append(f'exit status {r.returncode}, not 2')
            if message not in r.stderr: problems.append(f'stderr lacks "{message}"')
            if os.path.exists(out): problems.append(f'{out} was written')
            print(f'{args}: ' + ('; '.join(problems) if problems else f'exit 2, "{r.stderr.strip()}"'))
            if problems:
                print(f'  stdout: {r.stdout[:500]!r}\n  stderr: {r.stderr[:500]!r}')
                failures += 1
        # Good values get past the parser: the missing data then exits 77.
        good = ['--epochs', '3', '--train-limit', '100', '--min-accuracy', '0.5']
        r = subprocess.run(base + good, capture_output=True, text=True, timeout=60)
        if r.returncode != 77:
            print(f'{good}: exit status {r.returncode}, not 77 (data missing)\n  stderr: {r.stderr[:500]!r}'); failures += 1
        else:
            print(f'{good}: accepted (exit 77: no data)')
        r = subprocess.run(base + ['--help'], capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or 'usage:' not in r.stdout:
            print(f'--help: exit status {r.returncode}, stdout {r.stdout[:200]!r}'); failures += 1
        else:
            print('--help: exit 0, usage on stdout')
    return 1 if failures else 0

sys.exit(main())
