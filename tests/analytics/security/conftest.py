"""The in-process analytics service (tests/analytics/web/service.py) for the attack tests."""

from ..web.conftest import analytics  # noqa: F401  (the fixture, shared)
