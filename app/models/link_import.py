"""A CSV import of links: the uploaded file, where its check or commit stands, and its report.

The file is kept only while it may still be committed (state ``validating``, ``validated``
or ``importing``), and at most a day: an import not committed within
`app.ingest.link_import_retention.EXPIRES_AFTER` of its upload is ``expired`` and its file
dropped. The report (every bad row with its line, column and reason) stays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db
from app.models.types import Id, UTCDateTime, one_of, partial_index

# validating -> validated | invalid | failed | expired;
# validated -> importing | expired; importing -> imported | invalid | failed
LINK_IMPORT_STATES = (
    "validating",
    "validated",
    "invalid",
    "importing",
    "imported",
    "failed",
    "expired",
)
#: States that end an import: nothing more happens to it, and it holds no file.
FINISHED_STATES = frozenset({"invalid", "imported", "failed", "expired"})
#: Rows still holding their uploaded file (the retention sweep reads only these).
HOLDS_FILE = "content IS NOT NULL"


class LinkImport(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "link_import"
    __table_args__ = (
        CheckConstraint(one_of("state", LINK_IMPORT_STATES), name="state_known"),
        # The shop's imports, newest first (GET /api/products/imports).
        Index("ix_link_import_shop_newest", "shop_id", "id"),
        partial_index("ix_link_import_file_held", "created_at", where=HOLDS_FILE),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="validating")
    filename: Mapped[str | None] = mapped_column(String(255))
    byte_size: Mapped[int] = mapped_column(Integer)
    #: Data rows in the file (header and blank lines not counted).
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Rows checked so far (progress of the current check).
    checked: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    #: The uploaded file; loaded only when read (a status answer or the list never needs it).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: [{"line", "column", "code", "reason"}], in line order: every problem of every bad row.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Header cells that name no column PriceBridge reads (kept out of the import).
    ignored_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Why a check or commit could not finish (Shopify unreachable, access lost), when failed.
    failure_code: Mapped[str | None] = mapped_column(String(32))
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    commit_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LinkImport {self.id} shop={self.shop_id} {self.state} rows={self.row_count}>"
