"""Pure Block Kit builders and the texts they show: data in, blocks out. Nothing here calls
Slack, a backend or the store (tests/test_layers.py)."""
