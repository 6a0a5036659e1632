"""Alembic environment: the app's engine and metadata, online migrations only."""

from __future__ import annotations

from alembic import context
from flask import current_app

target_db = current_app.extensions["migrate"].db


def run_migrations_online() -> None:
    connectable = target_db.engine
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        options = {
            **current_app.extensions["migrate"].configure_args,
            "render_as_batch": sqlite,
        }
        if sqlite:
            # Batch mode rebuilds a table to alter it (copy, drop the old, rename): with foreign
            # keys enforced the drop cascades to every row that refers to it. Alembic's batch
            # documentation says to turn enforcement off; the pragma only takes effect outside
            # a transaction, so it comes first, and the keys are checked before committing.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows without their parent: {broken}")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask db upgrade`")
run_migrations_online()
