"""The one interaction kit every listener uses, DS and Dynacase alike: sealed modal metadata
bound to its person (seal), Slack-only response_urls (urls), click debounce (debounce), sealed
modal opening and updates (views), the payload refusal (refusal), and the per-person read
budget (budget). Issue 16: the twin paths drifted when each listener wrote these itself."""
