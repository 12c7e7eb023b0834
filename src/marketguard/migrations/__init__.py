"""Alembic migrations, shipped inside the package so `marketguard db upgrade` works anywhere."""
