"""SQLite persistence: one connection per unit of work, schema kept by Migrations."""

from dsbot.store.db import Store

__all__ = ["Store"]
