"""A local stand-in for Dynacase's HTTP API 1.0 (`dsbot sandbox --backend dynacase`).

Modules, in the order a request meets them:

- `server`: `DynacaseSandbox` (start/stop, context manager), the HTTP routes on the shared
  plumbing (`dsbot.sandboxes.http`; Dynacase's answers carry their own reason phrases and no
  charset), `run_from_cli`.
- `app`: `DynacaseApp`, what a request can reach, its tokens and its request counters.
- `faults`: the injected failures.
- `api`: `/api/v1/`: authentication, suffixes, routing, ETags, the resources.
- `engine`: the workflow rules (next states per user, the state change and its refusals).
- `formats`: documents, attributes, history entries as JSON.
- `errors`: the error envelope and the common errors.
- `control`: the `/_sandbox/*` control API.
- `store`: documents and revisions in memory. `world`: families, workflows, users, rights.
  `generator`: seeded French documents and their past state changes.

docs/dynacase-api.md describes the behaviour, section by section, with the tests pinning it.
"""
