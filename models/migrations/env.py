"""Alembic environment: runs on the engine handed over by models.db.alembic_config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from models.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the given engine (or a URL, for the alembic command line)."""
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; use `reflect db upgrade`")
run_migrations_online()
