"""Column types shared by the models: money, UTC timestamps, encrypted text."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import BigInteger, DateTime, Dialect, Index, Integer, Numeric, Text, text
from sqlalchemy.types import TypeDecorator

from app.crypto import TokenCipher

CIPHER_EXTENSION = "pricebridge.token_cipher"

# Row ids: 64-bit on PostgreSQL; SQLite only autoincrements an INTEGER primary key.
Id = BigInteger().with_variant(Integer, "sqlite")

# Money: 12 digits with 2 decimals covers any retail price; never a float.
Money = Numeric(12, 2, asdecimal=True)
Percent = Numeric(7, 2, asdecimal=True)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression keeping a string column within a closed set."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching `where`, the same on PostgreSQL and SQLite."""
    return Index(
        name,
        *columns,
        unique=unique,
        postgresql_where=text(where),
        sqlite_where=text(where),
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on PostgreSQL and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} refused: timestamps are UTC-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def token_cipher() -> TokenCipher:
    cipher = current_app.extensions[CIPHER_EXTENSION]
    assert isinstance(cipher, TokenCipher)
    return cipher


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the app's TokenCipher before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else token_cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else token_cipher().decrypt(value)
