"""The notification pipeline's model: what changed in an item, what an outbox row carries and
which item it is about. No I/O here (no SQLite, no HTTP, no Slack): the store keeps these types,
the services produce them and Slack renders them."""
