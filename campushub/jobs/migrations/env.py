"""Alembic environment: always run by campushub.webservice.db.migrate with an
open connection; there is no alembic.ini and no URL here."""

from campushub.jobs.tables import Base
from campushub.webservice.db import run_migrations

run_migrations(Base.metadata)
