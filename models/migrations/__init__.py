"""Alembic migrations for the models package (run through models.db.upgrade)."""
