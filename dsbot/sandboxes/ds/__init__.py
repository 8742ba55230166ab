"""A local stand-in for the demarches-simplifiees.fr GraphQL API (`dsbot sandbox`).

Modules, in the order a request meets them:

- `server`: `SandboxServer` (start/stop, context manager) and `run_from_cli`.
- `httpd`: the HTTP routes, on the shared plumbing (`dsbot.sandboxes.http`).
- `app`: `SandboxApp`, what a request can reach, and its request counters.
- `faults`: injected latency, 500s, timeouts, rate limit, ambiguous mutations.
- `auth`: tokens (read-only, expired, forbidden network, démarche scope) and header parsing.
- `endpoint`: `POST /api/v2/graphql`, from HTTP to DS's answer and error shapes.
- `schema`: the real DS schema made executable (default resolver, scalars, safety net);
  `executable`: it with the resolvers installed.
- `resolvers`, `pagination`: queries, views of démarches/groupes/dossiers, keyset cursors.
- `mutations`, `workflow`: mutations, the state machine and what moves updated_at.
- `uploads`: direct uploads (createDirectUpload, PUT, signed blob ids, checks).
- `control`: the `/_sandbox/*` control API.
- `store`: SQLite data (in memory or `--db`). `generator`, `dossier_content`, `vocab`: the
  generated world, the dossiers' lazily derived content, the French words they use.
- `clock`, `ids`, `errors`, `context`: time formats, global ids and cursors, DS errors, the
  per-request context.
"""
