"""Texts shown in Slack, in English (same keys as fr.py)."""

TEXTS: dict[str, str] = {
    # --- dossier states ---
    "state.en_construction": "Being filled in",
    "state.en_instruction": "Under review",
    "state.accepte": "Accepted",
    "state.refuse": "Refused",
    "state.sans_suite": "Closed without action",
}
