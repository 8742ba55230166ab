"""The document backends dsbot can talk to, side by side: one folder each, with its client and
its sandbox (a local stand-in server for tests and demos), behind the port (`port.py`).

- `ds`: Démarche numérique (demarches-simplifiees.fr), its GraphQL API v2.
- `dynacase`: Dynacase (Anakeen) Platform HTTP API 1.0 (`/api/v1/`).

A third backend is a third folder implementing `port.Backend`, registered in `registry.py`.
Outside this package, code imports only `port`, `errors` (the error root) and `registry`
(docs/architecture.md).
"""
