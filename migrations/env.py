"""Alembic environment: the app's engine and metadata, online migrations only."""

from __future__ import annotations

from alembic import context
from flask import current_app

target_db = current_app.extensions["migrate"].db


def run_migrations_online() -> None:
    connectable = target_db.engine
    with connectable.connect() as connection:
        options = {
            **current_app.extensions["migrate"].configure_args,
            "render_as_batch": connection.dialect.name == "sqlite",
        }
        context.configure(connection=connection, target_metadata=target_db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask db upgrade`")
run_migrations_online()
