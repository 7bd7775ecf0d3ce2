"""Task results on disk, one file per task, named by a hash of the task's inputs.

A *task* is one unit of the harness's work that a reader would name: one claim checked at a profile
and seed, one proof replayed, one figure configuration, one chunk of seeds of a training sweep.  Its
*key* is a hash of everything its result depends on::

    key = sha256(json({"task": name, "inputs": inputs, "code": code_version()}))[:32]

where ``code_version()`` is a hash of every source file under ``verify/`` and every proof transcript
under ``proofs/``: a result computed by other code is never reused.  ``TaskStore.put`` writes the
result to ``<root>/<key>.json`` through a temporary file and a rename, so a reader (or a kill at any
moment) sees either no file or the complete one; a rerun finds the file and skips the task.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os

from .report import atomic_write

__all__ = ["code_version", "task_key", "TaskStore"]

_PKG = os.path.dirname(os.path.abspath(__file__))
_TRANSCRIPTS = os.path.join(os.path.dirname(_PKG), "proofs")


def _source_files() -> list[str]:
    """Every file whose text can change a result: the package's Python sources and the proof transcripts."""
    files = []
    for root in (_PKG, _TRANSCRIPTS):
        if not os.path.isdir(root):
            continue
        for d, dirs, names in os.walk(root):
            dirs[:] = sorted(x for x in dirs if x != "__pycache__" and not x.startswith("."))
            files += [os.path.join(d, n) for n in sorted(names) if n.endswith(".py")]
    return files


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the harness's code: relative path and bytes of every file ``_source_files`` lists."""
    h = hashlib.sha256()
    base = os.path.dirname(_PKG)
    for p in _source_files():
        h.update(os.path.relpath(p, base).replace(os.sep, "/").encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()[:16]


def canonical(obj) -> str:
    """The JSON text a key is hashed from: sorted keys, no spaces, so equal inputs give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def task_key(name: str, inputs: dict, code: str | None = None) -> str:
    """The hash of a task: its function's name, its inputs and the code version."""
    text = canonical({"task": name, "inputs": inputs, "code": code or code_version()})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TaskStore:
    """``<root>/<key>.json`` holds ``{"key", "task", "inputs", "code", "result"}`` of one finished task."""

    def __init__(self, root: str):
        self.root = root

    def path(self, key: str) -> str:
        return os.path.join(self.root, f"{key}.json")

    def get(self, key: str):
        """The stored entry of ``key``, or None when there is none (or it cannot be read)."""
        try:
            with open(self.path(key)) as f:
                entry = json.load(f)
        except (OSError, json.JSONDecodeError):
            return None
        return entry if isinstance(entry, dict) and entry.get("key") == key and "result" in entry else None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, name: str, inputs: dict, result, code: str | None = None,
            create: bool = True) -> bool:
        """Write one task's result atomically; ``create=False`` writes only where the folder already
        exists (a worker on another machine, without the shared folder, leaves it to the client).
        Returns whether the file was written."""
        if not os.path.isdir(self.root):
            if not create:
                return False
            os.makedirs(self.root, exist_ok=True)
        entry = {"key": key, "task": name, "inputs": inputs, "code": code or code_version(), "result": result}
        atomic_write(self.path(key), json.dumps(entry, default=float))
        return True

    def keys(self) -> list[str]:
        if not os.path.isdir(self.root):
            return []
        return sorted(n[:-5] for n in os.listdir(self.root) if n.endswith(".json") and not n.startswith("."))

    def clear(self) -> None:
        """Remove every stored result (``--fresh``) and temporary files of a write that was killed."""
        if not os.path.isdir(self.root):
            return
        for n in os.listdir(self.root):
            if n.endswith(".json") or n.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(self.root, n))
                except OSError:
                    pass
