#!/usr/bin/env python3
"""Runs the README's quick start against a running `pim-host serve --demo` and checks every
answer the README shows, so the README cannot drift from what the server does.

The quick start is the ```sh block between `<!-- quickstart:begin -->` and
`<!-- quickstart:end -->` in README.md. Its lines run in one bash session (so variables carry
from one step to the next); a line `#> JSON` states what the command just above it prints: the
answer must contain it (objects: every key given, compared the same way; lists: the given
items, in order, others may stand between; anything else: equal).

Usage: PIM=http://127.0.0.1:PORT scripts/quickstart.py [README.md]
"""

import json
import os
import shlex
import subprocess
import sys
import tempfile

BEGIN, END = "<!-- quickstart:begin -->", "<!-- quickstart:end -->"


def block(readme):
    text = open(readme, encoding="utf-8").read()
    start, end = text.index(BEGIN), text.index(END)
    lines = text[start:end].splitlines()
    fence = [i for i, line in enumerate(lines) if line.startswith("```")]
    return lines[fence[0] + 1 : fence[1]]


def contains(want, got):
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and contains(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(got, list):
            return False
        rest = iter(got)
        return all(any(contains(w, g) for g in rest) for w in want)
    return want == got


def complete(command):
    """Whether the command's lines end it: no trailing backslash, no open quote."""
    text = "\n".join(command)
    if text.endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def script(lines):
    """The block as a bash script: each command a `#>` line follows has its output captured
    and checked by `__check`."""
    out, command, step = ["set -uo pipefail"], [], 0
    for line in lines:
        if line.startswith("#>"):
            step += 1
            want = line[2:].strip()
            json.loads(want)  # the README's own expectation must be JSON
            out.append("__out=$(" + "\n".join(command) + ")")
            out.append(f"__check {step} {shlex.quote(want)} \"$__out\"")
            command = []
            continue
        if command and not complete(command):
            command.append(line)
        elif line.strip() == "" or line.lstrip().startswith("#"):
            out.extend(command)
            command = []
            out.append(line)
        else:
            out.extend(command)
            command = [line]
    out.extend(command)
    return "\n".join(out) + "\n", step


CHECK = r"""
__check() {
    python3 "$__checker" check "$1" "$2" "$3" || exit 1
}
"""


def check(step, want, got):
    try:
        answer = json.loads(got)
    except json.JSONDecodeError:
        print(f"step {step}: not JSON: {got[:500]!r}", file=sys.stderr)
        return 1
    if not contains(json.loads(want), answer):
        print(f"step {step}: expected {want}\n  got {json.dumps(answer)[:2000]}", file=sys.stderr)
        return 1
    print(f"ok   step {step}: {want[:100]}")
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3], sys.argv[4])
    readme = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    body, steps = script(block(readme))
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(CHECK + body)
        path = f.name
    env = dict(os.environ, __checker=os.path.abspath(__file__))
    result = subprocess.run(["bash", path], env=env)
    os.unlink(path)
    if result.returncode == 0:
        print(f"quick start: {steps} answers as the README shows")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
