"""Sampling the server's hot path with py-spy (optional) and summarising the collapsed stacks."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# "function (path/to/file.py:123)" -> function, file
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")
OUR_PACKAGES = ("voice/", "server/", "reflection/", "models/")


def frame_name(frame: str) -> str:
    """'func (…/site-packages/pkg/mod.py:12)' -> 'pkg/mod.py:func' (short and stable)."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match.group("file").split("site-packages/")[-1]
    for package in OUR_PACKAGES:
        at = path.rfind(f"/{package}")
        if at >= 0:
            path = path[at + 1:]
    return f"{path}:{match.group('func')}"


def thread_group(frame: str) -> str:
    """'thread (123): reflect-model_1' -> 'reflect-model' (pool threads pooled together)."""
    name = frame.split(":", 1)[-1].strip() if frame.startswith("thread ") else "?"
    return re.sub(r"[_-]\d+$", "", name)


def summarize_collapsed(lines: Iterable[str], top: int = 8) -> dict[str, Any]:
    """Per thread group: samples, top leaf frames (self) and top inclusive frames of our code.

    Recorded with --idle, so a model thread's waiting shows up as its queue wait: the shares
    say what each thread spends its wall time on, including waiting for native worker threads.
    """
    groups: dict[str, dict[str, Counter[str]]] = {}
    totals: Counter[str] = Counter()
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw = stack.split(";")
        group = thread_group(raw[0])
        frames = [frame_name(f) for f in raw if not f.startswith(("thread ", "process "))]
        if not frames:
            continue
        totals[group] += count
        counters = groups.setdefault(group, {"self": Counter(), "ours": Counter()})
        counters["self"][frames[-1]] += count
        for name in set(frames):
            if name.startswith(OUR_PACKAGES):
                counters["ours"][name] += count
    out: dict[str, Any] = {}
    for group, counters in sorted(groups.items(), key=lambda item: -totals[item[0]]):
        total = totals[group]
        out[group] = {
            "samples": total,
            "self": [(n, round(100.0 * c / total, 1))
                     for n, c in counters["self"].most_common(top)],
            "inclusive_ours": [(n, round(100.0 * c / total, 1))
                               for n, c in counters["ours"].most_common(top)],
        }
    return out


class Sampler:
    """`py-spy record` attached to a pid until `stop()`; writes collapsed stacks to `path`."""

    def __init__(self, pid: int, path: Path, rate: int = 67) -> None:
        binary = shutil.which("py-spy")
        if binary is None:
            raise RuntimeError("py-spy is not installed (pip install py-spy)")
        self.path = path
        self.process = subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
             "--threads", "--idle", "--nonblocking", "--output", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def stop(self) -> dict[str, Any]:
        """Stop sampling (py-spy writes its file on SIGINT) and summarise it."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if not self.path.exists():
            return {"error": "py-spy wrote no profile"}
        with self.path.open() as handle:
            return {"file": str(self.path), "threads": summarize_collapsed(handle)}
