"""`dsbot demo`: the main job end to end with no credentials (embedded sandbox, real feed,
real Block Kit builders, Slack messages rendered in the terminal)."""
