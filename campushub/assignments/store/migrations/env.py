"""Alembic environment: always run by store/db.py:migrate() with an open
connection (config.attributes["connection"]); there is no alembic.ini and no
URL here, so the migrations run wherever the service's Store opens."""

from campushub.assignments.store.models import Base
from campushub.webservice.db import run_migrations

run_migrations(Base.metadata)
