"""Create or migrate the database to the newest schema (``marketguard db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from marketguard.db import get_engine


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "marketguard:migrations")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> str | None:
    """Upgrade the database to ``revision`` and return the revision it is at."""
    config = alembic_config(database_url)
    with get_engine(database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(database_url)


def current_revision(database_url: str) -> str | None:
    with get_engine(database_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
