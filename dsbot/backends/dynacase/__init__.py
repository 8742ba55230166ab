"""Dynacase (Anakeen) Platform HTTP API 1.0: a client (docs/dynacase-api.md).

- `client`: `DynacaseClient`, typed reads and the workflow state change, over httpx.
- `transport`: one request, the JSON envelope, error mapping, ETag reuse, retries for reads.
- `models`: the typed results (frozen dataclasses with `from_json` / `to_json`).
- `errors`: the typed errors, keeping Dynacase's `code` and `contentText`.
- `backend`: `DynacaseBackend`, the port's adapter; `feed_source`: `DynacaseFeed`, its
  `FeedSource`; `spec`: Dynacase in the backend registry.

Knows Dynacase and nothing of Slack. Its sandbox (`dsbot sandbox --backend dynacase`) is
`dsbot/sandboxes/dynacase/`.
"""
