"""Run fuzz targets, one at a time, each in its own process under atheris (libFuzzer).

    python -m fuzz.run --target png_text --seconds 60       # grow fuzz/corpus/png_text/
    python -m fuzz.run --target all --seconds 60            # what `make fuzz` runs
    python -m fuzz.run --target zip --runs 1000000          # a fixed number of executions
    python -m fuzz.run --target zip --smoke --runs 300      # seeds only, corpus left untouched
    python -m fuzz.run --target zip -- -only_ascii=1        # anything after -- goes to libFuzzer

atheris.Fuzz() never returns (libFuzzer exits the process), so the runner starts a child process
per target (`--child`), reads libFuzzer's report (and atheris' tracebacks) from its output and
prints one summary line per target: executions, exec/s, wall time, and any finding with the input
that caused it (written under fuzz/crashes/<target>/). The exit status is 1 when any target found
something. `--survey` keeps fuzzing past failures and lists each distinct one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fuzz.registry import TARGETS, Target, resolve

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
CRASHES = ROOT / "crashes"
LOGS = ROOT / "logs"
# Per-input limits: an input that takes this long, or this much memory, is a finding as well.
TIMEOUT_S = 20
RSS_LIMIT_MB = 2048
START = "synthtrace-fuzz: fuzzing starts"
FINDINGS = (
    ("Uncaught Python exception", "uncaught exception"),
    ("ERROR: libFuzzer: timeout", "timeout"),
    ("ERROR: libFuzzer: out-of-memory", "out of memory"),
    ("ERROR: libFuzzer: deadly signal", "crash (signal)"),
)


@dataclass
class Result:
    target: str
    parser: str
    executions: int = 0
    seconds: float = 0.0
    exec_per_s: float = 0.0
    new_units: int = 0
    slowest_unit_s: int = 0
    peak_rss_mb: int = 0
    finding: str | None = None
    artifact: str | None = None
    detail: list[str] = field(default_factory=list)
    returncode: int = 0

    def line(self) -> str:
        status = "ok" if self.finding is None else f"FINDING: {self.finding} -> {self.artifact}"
        return (
            f"{self.target:14} {self.executions:>10} execs {self.exec_per_s:>9.0f}/s "
            f"{self.seconds:>8.1f} s  slowest {self.slowest_unit_s} s  "
            f"rss {self.peak_rss_mb} MB  {status}"
        )


def libfuzzer_args(
    target: Target,
    runs: int | None,
    seconds: int | None,
    artifacts: Path,
    extra: list[str],
    smoke: bool = False,
) -> list[str]:
    args = [
        f"-max_len={target.max_len}",
        f"-timeout={TIMEOUT_S}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-artifact_prefix={artifacts}/",
        "-print_final_stats=1",
        "-print_pcs=0",
    ]
    if runs is not None:
        args.append(f"-runs={runs}")
    if smoke:
        args.append("-seed=1")  # the same mutations every time: make test stays repeatable
    if seconds is not None:
        args.append(f"-max_total_time={seconds}")
    return args + extra


def _stat(text: str, name: str) -> int:
    m = re.search(rf"stat::{name}:\s*(\d+)", text)
    return int(m.group(1)) if m else 0


def run_target(
    target: Target,
    runs: int | None,
    seconds: int | None,
    smoke: bool,
    extra: list[str],
    log: Path | None,
    survey: bool = False,
) -> Result:
    from fuzz.seeds import write_seeds

    corpus = CORPUS / target.slug
    write_seeds(target.name, corpus)
    result = Result(target.name, target.parser)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target.name}-") as tmp:
        # A smoke run reads the kept corpus and writes what it finds into a throwaway folder
        # (libFuzzer adds new inputs to the first folder it is given).
        folders = [Path(tmp) / "new", corpus] if smoke else [corpus]
        folders[0].mkdir(exist_ok=True)
        artifacts = Path(tmp) / "artifacts" if smoke else CRASHES / target.slug
        artifacts.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "fuzz.run", "--child", target.name]
        if survey:
            cmd += ["--child-survey", str(CRASHES / target.slug)]
        cmd.append("--")
        cmd += libfuzzer_args(target, runs, seconds, artifacts, extra, smoke)
        cmd += [str(f) for f in folders]
        env = dict(os.environ, PYTHONHASHSEED="0")
        started = time.monotonic()
        fuzz_start = started
        lines: list[str] = []
        out = open(log, "w") if log is not None else None
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT.parent
            )
            assert proc.stdout is not None
            for raw in proc.stdout:
                text = raw.decode("utf-8", "replace")
                if text.startswith(START):
                    fuzz_start = time.monotonic()
                lines.append(text)
                if len(lines) > 4000:
                    del lines[:2000]
                if out is not None:
                    out.write(text)
                if text.startswith("synthtrace-fuzz: survey"):
                    result.detail.append(text.rstrip())
                    print(text.rstrip(), flush=True)
            result.returncode = proc.wait()
        finally:
            if out is not None:
                out.close()
        result.seconds = time.monotonic() - fuzz_start
        report = "".join(lines)
        result.executions = _stat(report, "number_of_executed_units")
        result.new_units = _stat(report, "new_units_added")
        result.slowest_unit_s = _stat(report, "slowest_unit_time_sec")
        result.peak_rss_mb = _stat(report, "peak_rss_mb")
        result.exec_per_s = result.executions / result.seconds if result.seconds > 0 else 0.0
        for marker, what in FINDINGS:
            if marker in report:
                result.finding = what
                break
        surveyed = len(result.detail)
        if result.finding is None and surveyed:
            result.finding = f"{surveyed} distinct failure(s), inputs under {CRASHES / target.slug}"
        if result.finding is None and result.returncode != 0:
            result.finding = f"exit status {result.returncode}"
        if result.finding is not None and not surveyed:
            m = re.search(r"(?:Test unit written to|written to) (\S+)", report)
            result.artifact = m.group(1) if m else None
            at = report.find("Uncaught Python exception")
            result.detail = report[at : at + 4000].splitlines()[:40] if at >= 0 else lines[-40:]
            if smoke and result.artifact:  # the throwaway folder goes: keep the input
                kept = CRASHES / target.slug
                kept.mkdir(parents=True, exist_ok=True)
                dest = kept / Path(result.artifact).name
                dest.write_bytes(Path(result.artifact).read_bytes())
                result.artifact = str(dest)
    return result


def surveying(one_input: Callable[[bytes], None], folder: Path) -> Callable[[bytes], None]:
    """`one_input` that records each distinct failure (exception type and the line that raised
    it) with its first input under `folder`, and carries on: one run lists every bug, where
    libFuzzer alone stops at the first."""
    seen: set[str] = set()
    folder.mkdir(parents=True, exist_ok=True)

    def wrapped(data: bytes) -> None:
        try:
            one_input(data)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            if where in seen:
                return
            seen.add(where)
            name = hashlib.sha1(data).hexdigest()
            (folder / f"survey-{name}").write_bytes(data)
            print(f"synthtrace-fuzz: survey: {where}: {exc!r:.200} -> survey-{name}", flush=True)

    return wrapped


def child(name: str, argv: list[str], survey: Path | None) -> None:
    """Inside the target's own process: instrument, import the harness, hand over to libFuzzer."""
    import atheris

    target = resolve(name)
    already = [m for m in target.instrument if m in sys.modules]
    if already:
        print(f"synthtrace-fuzz: loaded before instrumentation: {already}", file=sys.stderr)
    with atheris.instrument_imports(include=list(target.instrument)):
        one_input = target.load()
    if survey is not None:
        one_input = surveying(one_input, survey)
    atheris.Setup([sys.argv[0], *argv], one_input)
    print(START, file=sys.stderr, flush=True)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, passthrough = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.split("\n")[0])
    parser.add_argument("--target", help="a target name, or 'all' (see --list)")
    parser.add_argument("--seconds", type=int, help="stop each target after this long")
    parser.add_argument("--runs", type=int, help="stop each target after this many executions")
    parser.add_argument("--smoke", action="store_true", help="leave the kept corpus unchanged")
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--json", type=Path, help="append one JSON line per target here")
    parser.add_argument(
        "--survey",
        action="store_true",
        help="record every distinct failure under fuzz/crashes/<target>/ and keep fuzzing",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-survey", type=Path, help=argparse.SUPPRESS)
    args, unknown = parser.parse_known_args(argv)
    passthrough = unknown + passthrough  # e.g. -atheris_runs=2000 given without --
    if args.child:
        child(args.child, passthrough, args.child_survey)
        return 0
    if args.list or not args.target:
        for t in TARGETS:
            print(f"{t.name:14} {t.parser}")
        return 0
    names = [t.name for t in TARGETS] if args.target == "all" else args.target.split(",")
    try:
        targets = [resolve(n) for n in names]
    except KeyError as exc:
        parser.error(f"unknown target {exc}; see --list")
    found = False
    for target in targets:
        log = None if args.smoke else LOGS / f"{target.slug}.log"
        if log is not None:
            log.parent.mkdir(exist_ok=True)
        result = run_target(
            target, args.runs, args.seconds, args.smoke, passthrough, log, args.survey
        )
        print(result.line(), flush=True)
        if result.finding is not None:
            found = True
            print("\n".join("    " + d.rstrip() for d in result.detail), flush=True)
        if args.json is not None:
            with open(args.json, "a") as fh:
                fh.write(json.dumps(asdict(result)) + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
