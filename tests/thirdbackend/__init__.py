"""A third backend, defined entirely here: "Ledger", a tiny document register served over
loopback HTTP (`server.py`), its adapter to dsbot's port (`adapter.py`) and its registry spec
(`plugin.py`, imported by a fixture or, in a `dsbot` process, through
`DSBOT_BACKEND_MODULES=tests.thirdbackend.plugin`). No product file names it: it proves that a
backend is a folder plus a registration."""
