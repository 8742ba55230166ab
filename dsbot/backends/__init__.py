"""The document backends dsbot can talk to, side by side: one folder each, with its client,
behind the port (`port.py`). Their sandboxes (local stand-in servers for tests and demos) are a
sibling package, `dsbot/sandboxes`, which no backend imports.

- `ds`: Démarche numérique (demarches-simplifiees.fr), its GraphQL API v2.
- `dynacase`: Dynacase (Anakeen) Platform HTTP API 1.0 (`/api/v1/`).

A third backend is a third folder implementing `port.Backend`, registered in `registry.py`.
Outside this package, code imports only `port`, `errors` (the error root) and `registry`
(docs/architecture.md).
"""
