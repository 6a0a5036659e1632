"""Extensions, created unbound here and bound to an app in `create_app`."""

from __future__ import annotations

from flask import current_app
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.config import Settings

SETTINGS_EXTENSION = "pricebridge.settings"

# Named constraints keep Alembic migrations identical on PostgreSQL and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
sock = Sock()


def current_settings() -> Settings:
    settings = current_app.extensions[SETTINGS_EXTENSION]
    assert isinstance(settings, Settings)
    return settings
