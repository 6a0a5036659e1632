"""The pool pings a connection only after it sat idle (app.database), and never hands out a
dead idle connection; a busy connection is trusted, and a disconnect it meets resets the pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, exc, text
from sqlalchemy.pool import NullPool

from app import database
from app.extensions import db


@pytest.fixture
def own_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app with an engine of its own, so killing its connections touches no other test."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    db.session.remove()  # back to the pool
    return int(pid)


def _terminate(pid: int) -> None:
    outside = create_engine(db.engine.url, poolclass=NullPool)  # not the pool's victim
    with outside.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    outside.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced_before_use(
    own_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = _backend_pid()
    _terminate(victim)
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # every checkout is "idle"
    assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != victim
    db.session.commit()


def test_a_connection_returned_moments_ago_is_not_pinged_and_a_disconnect_resets_the_pool(
    own_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 3600.0)
    victim = _backend_pid()
    _terminate(victim)
    # No ping at checkout: the statement itself meets the dead connection.
    with pytest.raises(exc.OperationalError):
        db.session.execute(text("SELECT 1"))
    db.session.rollback()
    db.session.remove()
    # SQLAlchemy saw the disconnect and invalidated the pool: the next checkout is fresh.
    assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != victim
    db.session.commit()
