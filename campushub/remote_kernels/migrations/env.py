"""Alembic environment: always run by campushub.webservice.db.migrate with an
open connection (no alembic.ini, no URL here)."""

from campushub.remote_kernels.models import Base
from campushub.webservice.db import run_migrations

run_migrations(Base.metadata)
