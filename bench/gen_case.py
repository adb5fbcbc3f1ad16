#!/usr/bin/env python3
"""Generates the benchmark case: a repository and a wheel built from its tagged tree.

Usage: gen_case.py OUT_DIR [--files 5000] [--mb 100]

OUT_DIR/repo       a git repository (src layout) with a few commits of history and tag v1.0.0
OUT_DIR/bench_pkg-1.0.0-py3-none-any.whl
                   a wheel of src/bench_pkg with correct METADATA/WHEEL/RECORD, deflated
Content is deterministic, code-like text (compresses like real Python, ~4-6x).
"""
import argparse
import base64
import hashlib
import os
import random
import subprocess
import zipfile

WORDS = ("def class return import self value result items config logger request "
         "response handler data index cache path name version build source token "
         "parse render check verify stream buffer count total offset limit").split()


def module_text(rng, size):
    lines = []
    total = 0
    while total < size:
        indent = "    " * rng.randint(0, 3)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        line = f"{indent}{words}  # {rng.randint(0, 10**6)}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


def git(repo, *args, env=None):
    subprocess.run(["git", "-C", repo, *args], check=True, stdout=subprocess.DEVNULL, env=env)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(42)
    out = os.path.abspath(args.out)
    repo = os.path.join(out, "repo")
    os.makedirs(repo, exist_ok=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="b@x", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    git(repo, "init", "-q", "-b", "main")
    avg = args.mb * 1024 * 1024 // args.files
    files = {}
    for i in range(args.files):
        folder = f"src/bench_pkg/sub{i % 50:02d}/deep{i % 7}"
        size = max(200, int(rng.expovariate(1 / avg)))
        files[f"{folder}/mod_{i:05d}.py"] = size
    files["src/bench_pkg/__init__.py"] = 100
    # History: three commits, each changing a tenth of the files; the tag is the last.
    for round_ in range(3):
        for n, (path, size) in enumerate(sorted(files.items())):
            if round_ == 0 or n % 10 == round_:
                full = os.path.join(repo, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as fh:
                    fh.write(module_text(rng, size))
        for extra in ("README.md", "pyproject.toml"):
            with open(os.path.join(repo, extra), "w") as fh:
                fh.write(f"# bench {round_}\n")
        git(repo, "add", "-A", env=env)
        git(repo, "commit", "-q", "-m", f"round {round_}", env=env)
    git(repo, "tag", "v1.0.0", env=env)

    wheel = os.path.join(out, "bench_pkg-1.0.0-py3-none-any.whl")
    di = "bench_pkg-1.0.0.dist-info"
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            data = open(os.path.join(repo, path), "rb").read()
            arc = path[len("src/"):]
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={digest},{len(data)}")
        meta = {"METADATA": "Metadata-Version: 2.1\nName: bench-pkg\nVersion: 1.0.0\n\n",
                "WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n"}
        for name, text in meta.items():
            data = text.encode()
            zf.writestr(f"{di}/{name}", data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{di}/{name},sha256={digest},{len(data)}")
        record.append(f"{di}/RECORD,,")
        zf.writestr(f"{di}/RECORD", "\n".join(record) + "\n")
    total = sum(os.path.getsize(os.path.join(repo, p)) for p in files)
    print(f"generated {len(files)} files, {total / 1e6:.1f} MB uncompressed, wheel {os.path.getsize(wheel) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
