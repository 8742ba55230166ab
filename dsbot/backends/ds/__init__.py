"""Démarche numérique (DS) as a backend of the port (`dsbot/backends/port.py`).

`backend`: `DSBackend`, an adapter over the DS client that still lives in `dsbot/ds/` (GraphQL
documents, transport, models) with its sandbox in `dsbot/sandbox/`.
"""
