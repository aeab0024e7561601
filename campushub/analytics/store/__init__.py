"""The analytics database: SQLAlchemy models, Alembic migrations and the
`Store` the service goes through (store/api.py)."""

from .api import Store
from .db import default_url

__all__ = ["Store", "default_url"]
