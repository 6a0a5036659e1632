"""CLI commands that are not a process of their own: `flask rotate-keys`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import Text, select, text, type_coerce

from app.extensions import db
from app.ingest.cli import normalize_command
from app.jobs.scheduler import scheduler_command
from app.jobs.worker import worker_command
from app.models import Shop
from app.models.types import token_cipher

TOKEN_COLUMNS = ("access_token", "refresh_token")


def rotate_token_keys() -> int:
    """Re-encrypt every stored token under the newest key, in one transaction."""
    cipher = token_cipher()
    raw = {name: type_coerce(getattr(Shop, name), Text).label(name) for name in TOKEN_COLUMNS}
    rows = db.session.execute(select(Shop.id, *raw.values()).with_for_update()).all()
    # Plain SQL on purpose: the values are ciphertext already, EncryptedText must not touch them.
    statement = text(
        "UPDATE shop SET access_token = :access_token, refresh_token = :refresh_token "
        "WHERE id = :id"
    )
    rotated = 0
    for row in rows:
        if row.access_token is None and row.refresh_token is None:
            continue
        values = {
            name: None if getattr(row, name) is None else cipher.rotate(getattr(row, name))
            for name in TOKEN_COLUMNS
        }
        db.session.execute(statement, {"id": row.id, **values})
        rotated += 1
    db.session.commit()
    return rotated


@click.command("rotate-keys")
@with_appcontext
def rotate_keys_command() -> None:
    """Re-encrypt every shop's tokens with the first key of TOKEN_ENCRYPTION_KEYS."""
    count = rotate_token_keys()
    click.echo(f"re-encrypted the tokens of {count} shop(s) with the newest key")


def init_app(app: Flask) -> None:
    for command in (worker_command, scheduler_command, rotate_keys_command, normalize_command):
        app.cli.add_command(command)
