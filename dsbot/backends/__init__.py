"""The document backends dsbot can talk to, side by side: one folder each, with its client and
its sandbox (a local stand-in server for tests and demos).

- `dynacase`: Dynacase (Anakeen) Platform HTTP API 1.0 (`/api/v1/`).

The Démarche numérique (DS) backend still lives in `dsbot.ds` and `dsbot.sandbox`.
"""
