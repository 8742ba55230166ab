"""The notification pipeline: the poller's cycle (`cycle`, `lease`, `health`, `feeds`), the
delivery of the outbox (`delivery`) and the model (`model`: what changed in an item, what an
outbox row carries, no I/O). Nothing here imports Slack: the Slack side renders and calls."""
