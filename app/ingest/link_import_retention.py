"""How long a CSV import of links keeps its uploaded file, swept by the scheduler
(`link-import-expiry`).

The file (up to 4 MiB) is kept only while the import may still be committed. The policy:

- An import not committed within `EXPIRES_AFTER` (24 hours) of its upload is ``expired``: its
  file is dropped, its report (rows checked, every bad row) kept. A commit then answers 410
  ``import_expired`` and the merchant chooses the file again. This takes ``validated`` imports
  left waiting for the merchant, and ``validating`` ones whose check never finished (no
  progress for `STALLED_AFTER` either, so a check still running is never expired under its
  job; the check also looks again, under the row lock, before it writes its outcome).
- A committed import (``importing``) does not expire: the merchant asked for it, and the
  ``link-import-resume`` sweep takes it up again until it ends imported, invalid or failed.
- A finished import (imported, invalid, failed, expired) keeps its report and never its file.

The commit route applies the same deadline itself (`expire_if_due`), so an import past it is
refused whether or not the sweep has come by. Each batch of the sweep is one transaction,
found through the partial index over the rows still holding a file (migration 0013), and
every import it expires is published on its shop's live stream as an ``import`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.ingest.link_import import EXPIRES_AFTER, STALLED_AFTER, import_event
from app.models import LinkImport
from app.models.link_import import FINISHED_STATES
from app.realtime.events import publish_event

#: Imports expired (or files dropped) per transaction of the sweep.
BATCH: Final = 100
#: States an import may expire from: not committed yet.
EXPIRING_STATES: Final = ("validating", "validated")


@dataclass
class Swept:
    expired: int = 0  # imports moved to `expired` (their files dropped)
    files_dropped: int = 0  # finished imports that still held a file (kept by an older release)


def expires_at(state: str, created_at: datetime) -> datetime | None:
    """When an import in `state`, uploaded at `created_at`, expires (or expired): `created_at`
    + `EXPIRES_AFTER`; None once it is committed or finished otherwise."""
    if state not in (*EXPIRING_STATES, "expired"):
        return None
    return created_at + EXPIRES_AFTER


def _expire(link_import: LinkImport, now: datetime) -> None:
    link_import.state = "expired"
    link_import.content = None
    link_import.finished_at = now


def expire_if_due(link_import: LinkImport, now: datetime) -> bool:
    """Expire a ``validated`` import past its deadline (the caller holds its row lock, then
    commits and publishes `import_event`); whether it did. A ``validating`` one is left to the
    sweep, which knows whether its check still runs."""
    due = expires_at(link_import.state, link_import.created_at)
    if link_import.state != "validated" or due is None or now < due:
        return False
    _expire(link_import, now)
    return True


def _due(now: datetime, batch: int) -> list[LinkImport]:
    cutoff = now - EXPIRES_AFTER
    return list(
        db.session.scalars(
            select(LinkImport)
            .where(
                LinkImport.content.is_not(None),
                or_(
                    LinkImport.state.in_(FINISHED_STATES),
                    and_(LinkImport.state == "validated", LinkImport.created_at <= cutoff),
                    and_(
                        LinkImport.state == "validating",
                        LinkImport.created_at <= cutoff,
                        LinkImport.updated_at < now - STALLED_AFTER,
                    ),
                ),
            )
            .order_by(LinkImport.created_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )


def sweep(now: datetime, *, batch: int = BATCH) -> Swept:
    """Apply the policy to every import holding a file; what it expired and dropped."""
    swept = Swept()
    while True:
        rows = _due(now, batch)
        if not rows:
            db.session.commit()
            return swept
        expired = []
        for link_import in rows:
            if link_import.state in FINISHED_STATES:
                link_import.content = None
                swept.files_dropped += 1
            else:
                _expire(link_import, now)
                expired.append(link_import)
        db.session.commit()
        swept.expired += len(expired)
        for link_import in expired:
            publish_event(link_import.shop_id, "import", import_event(link_import))


def expire_imports(now: datetime) -> int:
    """Periodic (`link-import-expiry`): the sweep; how many imports it expired."""
    return sweep(now).expired
