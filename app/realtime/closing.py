"""Closing a shop's sockets when it uninstalls, once the uninstall is committed.

`close_after_commit(shop_id)` is called inside the transaction that uninstalls the shop; the
close request goes out on the hub's control channel only if that transaction commits, so a
rolled-back uninstall closes nothing. Every web process's hub hears it and closes the shop's
sockets with code 4001.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.broker import current_broker
from app.extensions import db
from app.realtime.feed import request_close

_PENDING: Final = "pricebridge.realtime.close_shops"


def close_after_commit(shop_id: int) -> None:
    session = db.session()
    session.info.setdefault(_PENDING, set()).add(shop_id)
    if not event.contains(session, "after_commit", _publish):
        event.listen(session, "after_commit", _publish)
        event.listen(session, "after_rollback", _forget)


def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, set())
    if pending:
        redis = current_broker().redis
        for shop_id in sorted(pending):
            request_close(shop_id, redis)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
