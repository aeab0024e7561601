"""What a job's outcome and texts may hold before they reach the store, a page or a terminal.

An outcome is written by code running as the person (result.json, the local supervisor's report
pipe, a Kubernetes termination message): out-of-range numbers in it must become None here, not an
OverflowError in the scheduler (SQLite and PostgreSQL integers are 64 and 32 bits) on every tick.
Texts lose their control characters: a learner's exception text is shown in an operator's terminal.
"""

from __future__ import annotations

import math
import unicodedata

MAX_ERROR = 500
MAX_EXIT = 255  # a process's status as a shell shows it; a signal's is 128 + its number
MAX_CELL = 100_000
MAX_SECONDS = 10 * 365 * 86400.0
MAX_BYTES = 2**62
MAX_EPOCH = 2**33  # the year 2242: any time a runner may honestly claim


def number(value: object, top: float, bottom: float = 0) -> float | None:
    """value as a float when it is a finite number (no bool) within [bottom, top], else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return value if math.isfinite(value) and bottom <= value <= top else None


def integer(value: object, top: int, bottom: int = 0) -> int | None:
    """value when it is an int (no bool) within [bottom, top], else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if bottom <= value <= top else None


def printable(text: str) -> str:
    """text with each control, format, surrogate or unassigned character (Unicode category C*) as U+FFFD,
    so that it cannot move a terminal's cursor, retitle it or hide what follows."""
    return "".join("\ufffd" if unicodedata.category(c).startswith("C") else c for c in text)


def one_line(text: str) -> str:
    """text as one printable line of at most MAX_ERROR characters."""
    line = printable(" ".join(text.split()))
    return line if len(line) <= MAX_ERROR else line[: MAX_ERROR - 1] + "…"


def encodable(text: str) -> bool:
    """Whether text is proper Unicode (no lone surrogate, which JSON allows as \\ud800): what a file name,
    a log line or parameters.json can take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
