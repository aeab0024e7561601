"""Alembic environment: always run by store/db.py:migrate() with an open
connection (config.attributes["connection"]); there is no alembic.ini and no
URL here, so the migrations run wherever the service's Store opens."""

from alembic import context

from campushub.assignments.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run through campushub.assignments.store.db.migrate (it passes a connection)")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
