"""Runs every code example of README.md and docs/*.md in its own language, against the packages
as a user installs them, so a README that drifts from the API fails CI.

A fenced block runs by its language: ``python`` with the interpreter given (a venv with the wheel
installed), ``ts``/``js`` in the Node project given (the packed package installed; TypeScript is
compiled with ``tsc --strict`` first), ``c`` compiled with ``-Wall -Wextra -Werror`` against the
header and the library built in the directory given, and run. A block marked ``fragment`` after its language (```` ```python
fragment````) is not a whole program: it is only checked to parse (Python) or left to the reader
(other languages) — so a fragment must mirror code a test does check (the Node package's typings
test, a crate's doc example). Rust blocks are the crate's doctests; ``sh`` and unmarked blocks are commands.

    python3 tests/docs/run_examples.py --python /tmp/venv/bin/python --mypy   # mypy from python3
    python3 tests/docs/run_examples.py --node /tmp/project --tsc bindings-node/node_modules/.bin/tsc
    python3 tests/docs/run_examples.py --c target/debug
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.S | re.M)


def examples():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            yield path.relative_to(ROOT), line, match.group(1), "fragment" in match.group(2), match.group(3)


def run(command, where, cwd=None):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{where}: failed\n{done.stdout}{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", help="the interpreter to run Python examples with")
    parser.add_argument("--node", type=Path, help="a Node project with the package installed")
    parser.add_argument("--tsc", help="the TypeScript compiler")
    parser.add_argument("--c", type=Path, help="the directory holding libordercore_c")
    parser.add_argument("--mypy", action="store_true",
                        help="also type-check each Python example with mypy --strict (mypy from this interpreter)")
    args = parser.parse_args()
    if args.python:
        # Absolute (not resolved: a venv's interpreter is a symlink that must stay one), as
        # examples run in directories of their own.
        args.python = os.path.abspath(args.python)
    ran = checked = 0
    for n, (path, line, language, fragment, code) in enumerate(examples()):
        where = f"{path}:{line} ({language})"
        if language == "python" and args.python:
            if fragment:
                compile(code, where, "exec")
                checked += 1
                continue
            # In a directory of its own: an example may make files (a SQLite database).
            run([args.python, "-c", code], where, cwd=tempfile.mkdtemp())
            if args.mypy:
                run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--python-executable", args.python,
                     "-c", code], where)
            ran += 1
        elif language in ("ts", "js") and args.node and not fragment:
            name = f"example_{n}.{'mts' if language == 'ts' else 'mjs'}"
            (args.node / name).write_text(code)
            if language == "ts":
                run([args.tsc, "--strict", "--target", "es2022", "--module", "node16", "--moduleResolution", "node16",
                     "--outDir", "out", name], where, cwd=args.node)
                name = f"out/example_{n}.mjs"
            run(["node", name], where, cwd=args.node)
            ran += 1
        elif language == "c" and args.c and not fragment:
            program = Path(tempfile.mkdtemp()) / "example"
            source = program.with_suffix(".c")
            source.write_text(code)
            library = args.c.resolve()
            run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'bindings-ffi' / 'include'}", str(source),
                 f"-L{library}", "-lordercore_c", "-lpthread", "-ldl", "-lm", "-o", str(program)], where)
            run(["env", f"LD_LIBRARY_PATH={library}", str(program)], where)
            ran += 1
    which = "Python" if args.python else "TypeScript/JavaScript" if args.node else "C"
    print(f"{which} examples of README.md and docs/*.md: {ran} ran, {checked} fragments parsed")
    if ran == 0:
        sys.exit("no examples ran: were they removed, or renamed?")


if __name__ == "__main__":
    main()
