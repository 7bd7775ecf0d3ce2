"""Progress of the long commands (``verify report``, ``verify figures``, ``verify check`` of several
claims): on a terminal, a bar with the count, elapsed time and time left (rich); otherwise one plain
line per finished item on stdout, as logs and pipes want.  ``phase(text)`` says what a silent stretch
(imports and compiles, the proof replay) is doing."""
from __future__ import annotations

import sys
import time


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``with Progress(total, "claims") as p: ... p.advance(line)`` ."""

    def __init__(self, total: int, what: str, out=None, err=None, bar: bool | None = None):
        self.total, self.what = total, what
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.bar = _is_tty(self.err) if bar is None else bar
        self.done = 0
        self.t0 = time.perf_counter()
        self._rich = None
        self._task = None

    def __enter__(self):
        if self.bar:
            try:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
                                           TimeElapsedColumn, TimeRemainingColumn)
                self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                          TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"),
                                          TimeRemainingColumn(), console=Console(file=self.err),
                                          transient=False)
                self._rich.__enter__()
                self._task = self._rich.add_task(self.what, total=self.total)
            except ImportError:  # pragma: no cover - rich is a dependency
                self.bar = False
        return self

    def __exit__(self, *exc):
        if self._rich is not None:
            self._rich.__exit__(*exc)
        return False

    def phase(self, text: str) -> None:
        """Say what a stretch without finished items is doing."""
        if self._rich is not None:
            self._rich.update(self._task, description=f"{self.what}: {text}")
        else:
            self.out.write(f"... {text}\n")
            self.out.flush()

    def advance(self, line: str) -> None:
        """One item finished; ``line`` says which and how it ended."""
        self.done += 1
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
            self._rich.update(self._task, advance=1, description=self.what)
        else:
            el = time.perf_counter() - self.t0
            eta = el / self.done * (self.total - self.done) if self.done else 0.0
            self.out.write(f"[{self.done}/{self.total} {el:.0f}s, ~{eta:.0f}s left] {line}\n")
            self.out.flush()


def phase(text: str, stream=None) -> None:
    """A one-off status line on stderr (before a Progress exists: imports, loading claims)."""
    stream = stream or sys.stderr
    if _is_tty(stream):
        stream.write(f"verify: {text}\n")
        stream.flush()
