"""The security tests reuse the grading tests' real graders (bubblewrap as
`nobody`, cgroups) and the web tests' services; nothing here is mocked."""

from __future__ import annotations

from ...content.check.conftest import python  # noqa: F401
from ..grading.conftest import data_dir, grader  # noqa: F401
