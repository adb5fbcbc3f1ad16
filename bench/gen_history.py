#!/usr/bin/env python3
"""Generates the content-search and history benchmark case.

Usage: gen_history.py OUT_DIR [--files 10000] [--commits 5000] [--releases 100]

OUT_DIR/repo        a git repository of FILES files (src/hist_pkg/ holds a fifth of them,
                    the rest is docs/tests) and COMMITS commits, each changing one or two
                    files, written with `git fast-import`. Releases are tagged v0.N.0,
                    except every tenth, which is untagged (content search finds it).
OUT_DIR/search-0.0.1-py3-none-any.whl
                    a wheel of src/hist_pkg/ at the *first* commit with one module
                    changed: no commit matches exactly, so content search scores every
                    commit.
OUT_DIR/index/      a PEP 691 simple index for `hist-pkg` with RELEASES wheels, each built
                    from its release commit (served by bench/serve_index.py).
"""
import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import zipfile

WORDS = ("def class return import self value result items config logger request "
         "response handler data index cache path name version build source").split()


def text(rng, size):
    out, total = [], 0
    while total < size:
        line = "    " * rng.randint(0, 2) + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + f"  # {rng.randint(0, 10**6)}\n"
        out.append(line)
        total += len(line)
    return "".join(out).encode()


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(path, name, version, files):
    """files: {wheel path: bytes}"""
    di = f"{name.replace('-', '_')}-{version}.dist-info"
    entries = dict(files)
    entries[f"{di}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    entries[f"{di}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n"
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in entries.items()) + f"{di}/RECORD,,\n"
    entries[f"{di}/RECORD"] = record.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in entries.items():
            z.writestr(zipfile.ZipInfo(p, (2024, 1, 1, 0, 0, 0)), d, zipfile.ZIP_DEFLATED)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--releases", type=int, default=100)
    args = ap.parse_args()
    rng = random.Random(42)
    out = os.path.abspath(args.out)
    repo = os.path.join(out, "repo")
    os.makedirs(os.path.join(out, "index", "files"), exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)

    pkg_files = args.files // 5
    paths = []
    for i in range(args.files):
        if i < pkg_files:
            paths.append(f"src/hist_pkg/sub{i // 50:03d}/mod{i:05d}.py")
        elif i % 2:
            paths.append(f"docs/section{i // 100:03d}/page{i:05d}.md")
        else:
            paths.append(f"tests/group{i // 100:03d}/test_{i:05d}.py")
    content = {p: text(rng, rng.randint(200, 1200)) for p in paths}

    release_every = max(1, args.commits // args.releases)
    releases = []  # (version, commit mark, tagged, snapshot of package files)
    first_pkg = None
    stream = []
    t0 = 1_700_000_000
    mark = 0
    for c in range(args.commits):
        mark += 1
        changed = {}
        if c == 0:
            changed = dict(content)
        else:
            for _ in range(rng.randint(1, 2)):
                p = rng.choice(paths)
                content[p] = text(rng, rng.randint(200, 1200))
                changed[p] = content[p]
        commit = [f"commit refs/heads/main\nmark :{mark}\ncommitter Bench <b@example.invalid> {t0 + c * 600} +0000\n"]
        msg = f"commit {c}\n".encode()
        commit.append(f"data {len(msg)}\n".encode().decode() + msg.decode())
        if c > 0:
            commit.append(f"from :{mark - 1}\n")
        body = "".join(commit).encode()
        for p, d in changed.items():
            body += f"M 100644 inline {p}\ndata {len(d)}\n".encode() + d + b"\n"
        stream.append(body)
        if c == 0:
            first_pkg = {p: content[p] for p in paths[:pkg_files]}
        if c % release_every == release_every - 1 and len(releases) < args.releases:
            n = len(releases) + 1
            version = f"0.{n}.0"
            tagged = n % 10 != 0
            if tagged:
                stream.append(f"reset refs/tags/v{version}\nfrom :{mark}\n\n".encode())
            releases.append((version, t0 + c * 600, tagged, {p: content[p] for p in paths[:pkg_files]}))
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", repo, "checkout", "-q", "main"], check=True)

    def wheel_files(snapshot):
        return {p[len("src/"):]: d for p, d in snapshot.items()}

    files = wheel_files(first_pkg)
    victim = sorted(files)[0]
    files[victim] = files[victim] + b"exec('payload')\n"
    write_wheel(os.path.join(out, "search-0.0.1-py3-none-any.whl"), "search", "0.0.1", files)

    index = []
    for version, when, _, snapshot in releases:
        name = f"hist_pkg-{version}-py3-none-any.whl"
        path = os.path.join(out, "index", "files", name)
        write_wheel(path, "hist-pkg", version, wheel_files(snapshot))
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        upload = when + 300
        import datetime
        stamp = datetime.datetime.fromtimestamp(upload, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        index.append({"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": digest}, "upload-time": stamp})
    with open(os.path.join(out, "index", "hist-pkg.json"), "w") as f:
        json.dump({"meta": {"api-version": "1.1"}, "name": "hist-pkg", "files": index}, f)
    print(f"{args.files} files, {args.commits} commits, {len(releases)} releases in {out}")


if __name__ == "__main__":
    main()
