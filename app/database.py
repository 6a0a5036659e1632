"""The PostgreSQL connection pool's liveness check: ping a connection only when it has sat idle.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` round trip at every checkout, that is once per
request; on a busy web process that is one round trip in five of the products list. Here a
connection returned less than `IDLE_PING_SECONDS` ago is handed out as it is, and one idle for
longer is pinged first (a dead one is replaced: SQLAlchemy's documented "pessimistic"
disconnect handling, `DisconnectionError` from a checkout listener). The pool is LIFO, so
under load the same hot connections are reused and the idle ones are the ones checked.

What a connection used within the last seconds can still meet (PostgreSQL restarted a moment
ago) fails that one statement; SQLAlchemy then sees the disconnect and invalidates the whole
pool, so only the requests already in flight get the 503 (`app.api.errors.unavailable`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Final
from weakref import WeakSet

from sqlalchemy import Engine, Executable, Row, event, exc

from app.extensions import db

IDLE_PING_SECONDS: Final = 2.0
_RETURNED_AT: Final = "pricebridge.returned_at"
_LISTENED: Final[WeakSet[Engine]] = WeakSet()


def ping_idle_connections(engine: Engine) -> None:
    """Listen on `engine`'s pool (once per engine)."""
    if engine in _LISTENED:
        return
    _LISTENED.add(engine)
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error for a dead connection
            raise exc.DisconnectionError(f"an idle connection failed its ping: {error}") from error

    event.listen(engine, "checkin", _checkin)
    event.listen(engine, "checkout", checkout)


def _checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED_AT] = time.monotonic()


def read(statement: Executable, values: Mapping[str, Any]) -> Sequence[Row[Any]]:
    """Every row of one read, outside a transaction when the request has none yet.

    A request whose session has not touched the database (its session token was verified
    before: app.api.auth) runs the read on a pooled connection in autocommit: no BEGIN and no
    COMMIT round trips around one statement. Otherwise it runs in the session's transaction,
    on the connection the request already holds (never a second one: the pool has one per
    thread).
    """
    session = db.session()
    if session.in_transaction():
        return session.execute(statement, values).all()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        rows = connection.execute(statement, values).all()
        connection.commit()  # nothing is sent in autocommit; the connection goes back clean
    return rows
