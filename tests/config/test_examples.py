"""Every campushub.yaml shipped in examples/ is valid as written: people copy them."""

from __future__ import annotations

import pytest

from campushub.config import load
from tests.harness import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*/campushub.yaml"))


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_config_validates(path):
    config = load(path)
    assert config["auth"]["type"] != "native"  # each example shows a way to connect a site
