"""Shared vectorised helpers: Poisson event streams, business hours, GUIDs."""

from __future__ import annotations

import hashlib

import numpy as np

from klantwaarde.generate.timeline import Timeline

DAY = 86_400


def monthly_events(
    rng: np.random.Generator,
    rate: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    tl: Timeline,
    weekdays_only: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Events of each owner at `rate` per month while `lo <= day < hi` (clipped to the
    simulated days). Returns (owner index, day), ordered by owner then month."""
    ms = tl.month_starts(extra=1)
    a = np.maximum(np.asarray(lo)[:, None], ms[None, :-1])
    b = np.minimum(np.minimum(np.asarray(hi)[:, None], ms[None, 1:]), tl.sim_days)
    span = np.clip(b - a, 0, None)
    month_len = (ms[1:] - ms[:-1])[None, :]
    counts = rng.poisson(np.asarray(rate)[:, None] * span / month_len).ravel()
    n_m = span.shape[1]
    owner = np.repeat(np.repeat(np.arange(len(rate)), n_m), counts)
    day = np.repeat(a.ravel(), counts) + (
        rng.random(int(counts.sum())) * np.repeat(span.ravel(), counts)
    ).astype(np.int64)
    if weekdays_only:
        wd = tl.weekday(day)
        day = day + np.where(wd == 5, -1, np.where(wd == 6, 1, 0))
        day = np.clip(day, np.repeat(a.ravel(), counts), tl.sim_days - 1)
    return owner, day


def office_seconds(rng: np.random.Generator, n: int, start_h: int = 8, end_h: int = 17):
    """A time of day during office hours, in seconds."""
    return rng.integers(start_h * 3600, end_h * 3600, n)


def guid(seed: int, ns: str, i: int) -> str:
    """The same GUID the writer's SQL macro `guid(ns, i)` makes (md5 of seed:ns:i)."""
    h = hashlib.md5(f"{seed}:{ns}:{i}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def guids(seed: int, ns: str, idx: np.ndarray) -> list[str]:
    return [guid(seed, ns, int(i)) for i in idx]


def guid_sql(ns: str, column: str, seed: int) -> str:
    """SQL for the md5 hex behind `guid(seed, ns, i)`; format it with the `g36` macro."""
    return f"md5('{seed}:{ns}:' || CAST({column} AS VARCHAR))"


G36_MACRO = (
    "CREATE OR REPLACE MACRO g36(h) AS substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || "
    "substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12)"
)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def fast_guids(seed: int, ns: int, ids: np.ndarray):
    """GUID strings for many ids at once (a pyarrow string array), from a 64-bit mix of
    (seed, ns, id): deterministic, vectorised, no Python per row."""
    import pyarrow as pa

    ids = np.asarray(ids, dtype=np.uint64)
    n = len(ids)
    base = np.uint64((seed * 1_000_003 + ns * 7_919) % (1 << 63))
    with np.errstate(over="ignore"):
        hi = _splitmix64(ids * np.uint64(2) + base)
        lo = _splitmix64(ids * np.uint64(2) + base + np.uint64(1))
    raw = np.stack([hi, lo], axis=1).view(np.uint8).reshape(n, 16)
    h = np.empty((n, 32), dtype=np.uint8)
    h[:, 0::2] = _HEX[raw >> 4]
    h[:, 1::2] = _HEX[raw & 15]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = h[:, 0:8]
    out[:, 9:13] = h[:, 8:12]
    out[:, 14:18] = h[:, 12:16]
    out[:, 19:23] = h[:, 16:20]
    out[:, 24:36] = h[:, 20:32]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes())
    ).cast(pa.string())
