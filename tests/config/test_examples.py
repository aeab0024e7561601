"""Every campushub.yaml shipped in examples/ is valid as written: people copy them."""

from __future__ import annotations

import pytest

from campushub.config import exposure, load
from tests.harness import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*/campushub.yaml"))


def test_there_are_examples():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_config_validates(path):
    config = load(path)
    # people copy them as they are, readable by everyone: secrets go elsewhere
    # (a root-only file locally, a Kubernetes Secret in a release)
    assert exposure.secret_keys(config) == []
