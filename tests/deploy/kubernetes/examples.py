"""The example site files (examples/*/campushub.yaml), each parsed once per run.

Parsing one (ruamel, keeping lines for the messages) takes ~50 ms, and the
Kubernetes tests read every example in some ten places. The files do not
change while tests run; each caller gets a copy of its own to change freely.
tests/config/test_examples.py still calls load() itself: there loading is
what is tested.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from campushub.config import load

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*/campushub.yaml"))


@functools.cache
def _parsed(path: Path) -> dict:
    return load(path)


def example(path: Path) -> dict:
    """load(path) of an example, as it is; a deep copy of the one parse."""
    return copy.deepcopy(_parsed(Path(path).resolve()))
