"""Run every command README.md shows, on a fresh clone, the way a new user would.

    python scripts/check_readme.py              # clone HEAD, set up, run every command
    python scripts/check_readme.py --worktree   # the same with the uncommitted changes copied in
    python scripts/check_readme.py --quick      # pass --quick to the scripts that accept it
    python scripts/check_readme.py --list       # only print the commands it found
    python scripts/check_readme.py --resolve    # no clone: check that every command resolves here

The commands are the lines of the README's ```sh blocks: `a && b` chains are split into
their commands (a `cd` or `export` in a chain is run again before each command after it)
and `# ...` comments dropped. The set-up commands (creating `.venv`, its
activation and `pip install`) run first, together, in a `git clone` of the checkout's
HEAD made in a temporary folder. Every other command then runs in README order from the
clone's root with that venv active (its `bin/` first on PATH), through /bin/sh. One line
per command (ok / FAILED, seconds, the command; a failure adds the tail of its output),
then a summary line; the exit status is 1 when any command failed.

`--resolve` is the cheap check the lit suite runs (test/driver/readme-commands.test): in
this checkout, without cloning or installing, every program a command names exists;
every `python SCRIPT` / `python -m MODULE` command runs with `--help` from the repository
root with this interpreter; and every first-party import in that script or module
(`qcomp`, `bench`, `scripts`, modules beside the script, including the imports inside
functions) resolves with the sys.path that command would have. That is what catches the
checkout's `qcomp/` shadowing an installed qcomp.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("qcomp", "bench", "scripts")
SETUP = re.compile(r"^(python3? -m venv\b|\. \S*activate$|source \S*activate$|(python3? -m )?pip install\b)")
"""Set-up commands: run first, together, in the clone."""
TAIL = 25  # lines of output shown for a failed command


@dataclass
class Command:
    text: str  # as the README writes it (without its comment)
    where: str  # README.md:LINE
    setup: bool
    prefix: str = ""  # `cd`/`export` commands earlier in the same `&&` chain, run before this one

    @property
    def shell(self) -> str:
        return f"{self.prefix} && {self.text}" if self.prefix else self.text


# --------------------------------------------------------------------------- README parsing


def _split(line: str) -> list[str]:
    """A shell line -> its `&&`-separated commands, without a trailing `# comment` (quotes respected)."""
    parts, cur, quote, i = [], "", "", 0
    while i < len(line):
        c = line[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (not cur.strip() or cur[-1].isspace()):
            break
        elif line.startswith("&&", i):
            parts.append(cur)
            cur, i = "", i + 2
            continue
        cur += c
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def readme_commands(readme: Path) -> list[Command]:
    """The commands of every ```sh block of `readme`, in order."""
    out: list[Command] = []
    in_sh = False
    for n, line in enumerate(readme.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_sh = not in_sh and stripped[3:].strip() in ("sh", "bash", "shell", "console")
            continue
        if in_sh:
            prefix: list[str] = []
            for c in _split(line):
                if re.match(r"(cd|export)\s", c):  # changes the state of the chain: kept for what follows
                    prefix.append(c)
                    continue
                out.append(Command(c, f"{readme.name}:{n}", bool(SETUP.match(c)), " && ".join(prefix)))
    return out


# --------------------------------------------------------------------------- the fresh clone


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_clone(dest: Path, worktree: bool) -> str:
    """Clone HEAD of this checkout into `dest`; with `worktree`, copy its uncommitted changes too."""
    head = _git("rev-parse", "HEAD").strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO), str(dest)], check=True)
    _git("checkout", "--quiet", "--detach", head, cwd=dest)
    what = f"HEAD {head[:12]}"
    if worktree:  # plumbing only: nothing here writes this checkout's index
        changed = [p for p in _git("ls-files", "-z", "--modified", "--others", "--exclude-standard").split("\0") if p]
        deleted = {p for p in _git("ls-files", "-z", "--deleted").split("\0") if p}
        for rel in sorted(set(changed) | deleted):
            src, dst = REPO / rel, dest / rel
            if rel in deleted or not src.exists():
                dst.unlink(missing_ok=True)
            elif src.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
        what += f" + {len(set(changed) | deleted)} uncommitted file(s)"
    return what


def clean_env(venv: Path | None) -> dict[str, str]:
    """This environment without the caller's venv; with `venv`, that venv active."""
    env = dict(os.environ)
    old = env.pop("VIRTUAL_ENV", None)
    for var in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(var, None)
    path = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and not (old and Path(p).resolve() == (Path(old) / "bin").resolve())]
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        path.insert(0, str(venv / "bin"))
    env["PATH"] = os.pathsep.join(path)
    return env


def accepts_quick(cmd: str, cwd: Path, env: dict[str, str]) -> bool:
    """True when `cmd` is `python SCRIPT ...` / `python -m MOD ...` whose --help lists --quick."""
    words = shlex.split(cmd)
    if len(words) < 2 or words[0] not in ("python", "python3") or "--quick" in words:
        return False
    target = words[1:3] if words[1] == "-m" else words[1:2]
    r = subprocess.run([words[0], *target, "--help"], cwd=cwd, env=env, capture_output=True, text=True)
    return r.returncode == 0 and "--quick" in r.stdout


def run(cmd: str, cwd: Path, env: dict[str, str], timeout: float) -> tuple[bool, float, str]:
    t0 = time.perf_counter()
    try:
        r = subprocess.run(["/bin/sh", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout)
        ok, out = r.returncode == 0, r.stdout + ("" if r.returncode == 0 else f"\n(exit status {r.returncode})")
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        ok, out = False, out + f"\n(timed out after {timeout:.0f} s)"
    return ok, time.perf_counter() - t0, out


def report_line(ok: bool, secs: float, cmd: str, out: str) -> None:
    print(f"{'ok' if ok else 'FAILED':<7}{secs:8.1f} s  {cmd}", flush=True)
    if not ok:
        for ln in out.strip().splitlines()[-TAIL:]:
            print(f"        | {ln}")


def check_clone(args: argparse.Namespace, commands: list[Command]) -> int:
    setup = [c for c in commands if c.setup]
    rest = [c for c in commands if not c.setup]
    if not setup:
        print("check_readme: README.md shows no set-up command (python3 -m venv ... && pip install ...)")
        return 1
    tmp = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="qcomp-readme-"))
    clone = tmp / "qcomp"
    if clone.exists():
        shutil.rmtree(clone)
    tmp.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    failed: list[str] = []
    setup_ok = False
    try:
        what = make_clone(clone, args.worktree)
        print(f"check_readme: fresh clone of {what} in {clone}", flush=True)
        setup_cmd = " && ".join(c.shell for c in setup)
        ok, secs, out = run(setup_cmd, clone, clean_env(None), args.timeout)
        report_line(ok, secs, f"{setup_cmd}   (set-up)", out)
        setup_ok = ok
        if not ok:
            failed.append(setup_cmd)
        else:
            env = clean_env(clone / ".venv")
            for c in rest:
                cmd = c.shell
                if args.quick and accepts_quick(c.text, clone, env):
                    cmd += " --quick"
                ok, secs, out = run(cmd, clone, env, args.timeout)
                report_line(ok, secs, cmd, out)
                if not ok:
                    failed.append(cmd)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    total = len(rest) + 1
    skipped = 0 if setup_ok else len(rest)
    print(f"check_readme: {total} commands (set-up + {len(rest)}), {total - len(failed) - skipped} ok, "
          f"{len(failed)} failed{f', {skipped} not run' if skipped else ''}; "
          f"{time.perf_counter() - t_all:.0f} s{' (--quick)' if args.quick else ''}")
    return 1 if failed else 0


# --------------------------------------------------------------------------- --resolve

PROBE = r"""
import ast, importlib, importlib.util, os, runpy, sys
kind, target, first_party = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
if kind == "script":  # `python SCRIPT`: the script's folder is sys.path[0]
    sys.path[0] = os.path.dirname(os.path.abspath(target))
    source = target
    runpy.run_path(target, run_name="__readme_probe__")  # its top level (sys.path edits), not main()
else:  # `python -m MODULE`: the current directory is sys.path[0]
    sys.path[0] = os.getcwd()
    importlib.import_module(target)
    source = importlib.util.find_spec(target).origin
local = os.path.dirname(os.path.abspath(source))
def ours(name):
    top = name.split(".")[0]
    return top in first_party or os.path.exists(os.path.join(local, top + ".py")) or \
        os.path.isdir(os.path.join(local, top))
bad = []
for node in ast.walk(ast.parse(open(source).read())):
    if isinstance(node, ast.Import):
        wanted = [(a.name, None) for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        wanted = [(node.module, a.name) for a in node.names]
    else:
        continue
    for mod, attr in wanted:
        if not ours(mod):
            continue
        try:
            m = importlib.import_module(mod)
            if attr and attr != "*" and not hasattr(m, attr):
                importlib.import_module(mod + "." + attr)
        except Exception as e:
            what = f"from {mod} import {attr}" if attr else f"import {mod}"
            bad.append(f"line {node.lineno}: {what}: {type(e).__name__}: {e}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"""


def resolve(cmd: str) -> str:
    """'' when `cmd` resolves in this checkout (see the module docstring), else why not."""
    words = shlex.split(cmd)
    prog = words[0]
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    if prog in (".", "source") or prog.startswith("./"):
        return ""  # the venv's activation, or a program an earlier command builds
    kind, target = "", ""
    if prog in ("python", "python3") and len(words) > 1:
        if words[1] != "-m":
            kind, target = "script", words[1]
        elif len(words) > 2 and words[2] not in ("venv", "pip"):
            kind, target = "module", words[2]
    if kind:
        if kind == "script" and not (REPO / target).is_file():
            return f"no such file: {target}"
        r = subprocess.run([sys.executable, *(["-m", target] if kind == "module" else [target]), "--help"],
                           cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            return f"--help exits {r.returncode}: {(r.stderr.strip().splitlines() or [''])[-1]}"
        r = subprocess.run([sys.executable, "-c", PROBE, kind, target, ",".join(FIRST_PARTY)],
                           cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            return "; ".join((r.stdout.strip() or r.stderr.strip()).splitlines()[-3:])
        return ""
    exe = shutil.which(prog, path=path)
    if exe is None:
        return f"program '{prog}' not found"
    if Path(exe).parent == Path(bin_dir) and prog not in ("python", "python3", "pip"):
        r = subprocess.run([exe, "--help"], cwd=REPO, capture_output=True, text=True)  # a console script
        if r.returncode != 0:
            return f"'{prog} --help' exits {r.returncode}: {(r.stderr.strip().splitlines() or [''])[-1]}"
    return ""


def check_resolve(commands: list[Command]) -> int:
    bad = 0
    for c in commands:
        why = resolve(c.text)
        bad += bool(why)
        print(f"{'resolves' if not why else 'UNRESOLVED'}: {c.where}: {c.text}{f': {why}' if why else ''}",
              flush=True)
    print(f"check_readme --resolve: {len(commands)} commands, {len(commands) - bad} resolve, {bad} do not")
    return 1 if bad else 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", type=Path, default=REPO / "README.md", help=argparse.SUPPRESS)
    ap.add_argument("--worktree", action="store_true",
                    help="copy the checkout's uncommitted changes (modified and untracked files) into the clone")
    ap.add_argument("--quick", action="store_true", help="append --quick to the scripts whose --help lists it")
    ap.add_argument("--keep", metavar="DIR", help="make the clone in DIR/qcomp and keep it")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per command (default 3600)")
    ap.add_argument("--list", action="store_true", help="print the README's commands and exit")
    ap.add_argument("--resolve", action="store_true",
                    help="no clone: check that every command resolves in this checkout (the lit test)")
    args = ap.parse_args(argv)
    commands = readme_commands(args.readme)
    if not commands:
        print(f"check_readme: no commands in the ```sh blocks of {args.readme}")
        return 1
    if args.list:
        for c in commands:
            print(f"{c.where}: {'(set-up) ' if c.setup else ''}{c.shell}")
        return 0
    if args.resolve:
        return check_resolve(commands)
    return check_clone(args, commands)


if __name__ == "__main__":
    sys.exit(main())
