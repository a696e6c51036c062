"""What a person sees in the terminal while `klantwaarde run` works: each step as it
starts and ends with its time, and progress inside the long ones (files loaded, dbt nodes
built). Off unless the CLI turns it on (`run` does, `--quiet` does not); lines go to
stdout before the result, so that a failure stays one line on stderr. The DAG's tasks
log instead."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TextIO

_stream: TextIO | None = None
_last = 0.0


def enable(stream: TextIO | None = None) -> None:
    global _stream
    _stream = stream or sys.stdout


def disable() -> None:
    global _stream
    _stream = None


def enabled() -> bool:
    return _stream is not None


def say(message: str) -> None:
    if _stream is None:
        return
    # a full disk or a closed terminal does not stop the run
    with contextlib.suppress(OSError):
        print(message, file=_stream, flush=True)


def tick(message: str, every: float = 1.0) -> None:
    """A progress line, at most one per `every` seconds (dbt emits many events)."""
    global _last
    now = time.monotonic()
    if now - _last >= every:
        _last = now
        say(message)


def dbt_callback(what: str):
    """A dbt event callback that counts finished nodes."""
    count = {"done": 0}

    def callback(event) -> None:  # dbt's EventMsg
        if _stream is None:
            return
        name = getattr(getattr(event, "info", None), "name", "")
        if name == "NodeFinished":
            count["done"] += 1
            tick(f"  dbt {what}: {count['done']} nodes done")

    return callback
