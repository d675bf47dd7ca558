"""store stage: the embedded DuckDB file the dashboard and exports read."""

from betrokken.store.database import atomic_build, connect, table_exists

__all__ = ["atomic_build", "connect", "table_exists"]
