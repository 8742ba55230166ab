"""Delivery of the outbox: the engine (claim → send → record), the scheduler (which row is
due, Slack's pacing), the policy (retry, pause, give up), the prepare step (what a card reads
of a backend) and the ports to Slack (transport, renderer)."""
