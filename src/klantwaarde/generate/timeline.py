"""The calendar of the simulated company: history, drop nights, day arithmetic.

Everything inside the generator counts in whole days from `start` (day 0) and in
seconds from `start` 00:00:00 for timestamps; the writer turns those integers into
dates and timestamps in SQL.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DEFAULT_START = date(2025, 1, 1)
DEFAULT_NIGHTLY_DAYS = 7
NEVER = 10**9  # "no next version" in day arithmetic


def add_months(d: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, calendar.monthrange(d.year + y, m + 1)[1]))


@dataclass(frozen=True)
class Timeline:
    start: date
    months: int
    nightly_days: int

    @property
    def end(self) -> date:
        """Last day of history (inclusive)."""
        return add_months(self.start, self.months) - timedelta(days=1)

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def sim_days(self) -> int:
        """Days simulated: the history plus the night after (the pending drop)."""
        return self.n_days + 1

    @property
    def drop_days(self) -> list[int]:
        """Day indices of the complete drops; the first is the initial extract."""
        if self.nightly_days <= 0:
            return list(range(self.n_days))
        nightly = min(self.nightly_days, self.n_days - 1)
        return list(range(self.n_days - nightly - 1, self.n_days))

    @property
    def pending_day(self) -> int:
        return self.n_days

    def day(self, i: int) -> date:
        return self.start + timedelta(days=int(i))

    def iso(self, i: int) -> str:
        return self.day(i).isoformat()

    def month_starts(self, extra: int = 1) -> np.ndarray:
        """Day index of the first day of each calendar month from `start`'s month on
        (clipped to 0: a history starting mid-month has a short first month), enough
        boundaries for the history plus `extra` months."""
        first = date(self.start.year, self.start.month, 1)
        n = self.months + extra + (0 if self.start.day == 1 else 1)
        return np.array(
            [max((add_months(first, k) - self.start).days, 0) for k in range(n + 1)],
            dtype=np.int64,
        )

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Month index (0 = the month of `start`) of day indices."""
        return np.searchsorted(self.month_starts(extra=2), days, side="right") - 1

    def weekday(self, days: np.ndarray) -> np.ndarray:
        """0 = Monday … 6 = Sunday."""
        return (np.asarray(days) + self.start.weekday()) % 7
