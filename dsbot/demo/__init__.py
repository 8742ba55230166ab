"""`dsbot demo`: the main job end to end with no credentials (embedded sandbox, real feed,
real Block Kit builders, Slack messages rendered in the terminal)."""

# Said by `dsbot demo` before it loads the demo (its sandbox and the whole wiring), and by
# run_demo for any other caller.
NEEDS_CHANNEL = "SLACK_BOT_TOKEN est défini : donnez le canal où publier avec --channel C…"
