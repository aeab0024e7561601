"""The assignments database: SQLAlchemy models, Alembic migrations and the
`Store` every other part of the service goes through (store/api.py)."""

from .api import STATUSES, Store
from .errors import StoreError

__all__ = ["STATUSES", "Store", "StoreError"]
