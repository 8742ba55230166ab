"""SQLite persistence: one connection per unit of work, schema kept by Migrations."""

from dsbot.store.db import DatabaseUnavailable, Store

__all__ = ["DatabaseUnavailable", "Store"]
