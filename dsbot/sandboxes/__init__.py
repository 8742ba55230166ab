"""The sandboxes: local stand-ins for the document backends' APIs, real HTTP servers on a
loopback port, with generated data, a control API (`/_sandbox/*`) and injected faults. They
serve the tests, `dsbot sandbox [--backend dynacase]` and `dsbot demo`.

- `ds/`: Démarche numérique's GraphQL API v2 (docs/ds-api.md, docs/interface.md).
- `dynacase/`: Dynacase's HTTP API 1.0 (docs/dynacase-api.md).
- `http`: the loopback HTTP and control plumbing both share.

What a sandbox may import: the standard library, its third-party libraries (graphql-core), this
package, and data files read by path (the DS schema, `dsbot/backends/ds/schema.graphql`). Not a
backend's client code: a fake that shares the client's code would hide the client's bugs. Nor
dsbot's services, store, Slack layer or wiring. And no backend imports a sandbox.
`tests/test_layers.py` checks all of it.
"""
