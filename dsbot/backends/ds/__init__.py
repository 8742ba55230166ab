"""Démarche numérique (DS) as a backend of the port (`dsbot/backends/port/`).

- `client`, `transport`, `upload`, `documents`, `errors`, `models`, `annotations`: the GraphQL
  client (its documents in `queries/`, the real schema in `schema.graphql`).
- `backend`: `DSBackend`, the port's adapter over that client, with its capabilities.
- `feed_source`: `DSFeed`, the change feed as the port's `FeedSource`.
- `spec`: DS in the backend registry.

Its sandbox, a local stand-in for the DS API (`dsbot sandbox`), is `dsbot/sandboxes/ds/`.
"""
