"""The run's own data: a private Redis, and a fresh database (SQLite file or PostgreSQL schema).

Nothing is shared with an earlier or a concurrent run: the simulators start empty each run, so
rows or queues kept from another run would name tokens and job ids that exist nowhere (the
`invalid_grant`, "no offline token" and duplicate job id errors of a rerun).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import psycopg

from demo.runs import SCHEMA_MARKER, Run


class StoreRefused(Exception):
    """The demo cannot give this run data of its own; the message says why and what to do."""


def redis_command(port: int, folder: Path) -> list[str]:
    """A private redis-server on a loopback port, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise StoreRefused(
            "make demo starts a private Redis and needs the redis-server binary on PATH "
            "(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)"
        )
    return [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
    ]


@dataclass(frozen=True)
class Database:
    """The run's database: its URL for the app, and the schema to drop at the end, if any."""

    url: str
    server_url: str | None = None
    schema: str | None = None


def _libpq(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def is_postgresql(url: str) -> bool:
    return urlsplit(url).scheme.split("+")[0] in {"postgres", "postgresql"}


def fresh_database(run: Run, database_url: str | None) -> Database:
    """SQLite in the run's folder, or a new schema of the run's own on DATABASE_URL's server.

    Raises StoreRefused for a DATABASE_URL the demo cannot give a schema of its own.
    """
    if not database_url:
        return Database(url=f"sqlite:///{(run.folder / 'demo.sqlite').resolve()}")
    if not is_postgresql(database_url):
        raise StoreRefused(
            "make demo runs on a fresh database each run: leave DATABASE_URL unset (SQLite in "
            "the run's folder) or point it at PostgreSQL, where the run makes a schema of its own"
        )
    if any(name == "options" for name, _ in parse_qsl(urlsplit(database_url).query)):
        raise StoreRefused(
            "DATABASE_URL already sets `options`; make demo sets search_path to a schema of "
            "its own, so give it a URL without options"
        )
    schema = "pricebridge_demo_" + re.sub(r"\W", "_", run.id)
    try:
        with psycopg.connect(_libpq(database_url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as error:
        raise StoreRefused(f"cannot create schema {schema} on DATABASE_URL: {error}") from error
    marker = {"server_url": database_url, "schema": schema}
    (run.folder / SCHEMA_MARKER).write_text(json.dumps(marker))
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    return Database(url=url, server_url=database_url, schema=schema)


def drop_schema(marker: dict[str, str]) -> None:
    """Drop a schema a demo run made (this one at its end, or one an earlier run left)."""
    with psycopg.connect(_libpq(marker["server_url"]), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{marker["schema"]}" CASCADE')


def release_database(run: Run, database: Database) -> None:
    if database.schema is None or database.server_url is None:
        return
    drop_schema({"server_url": database.server_url, "schema": database.schema})
    (run.folder / SCHEMA_MARKER).unlink(missing_ok=True)
