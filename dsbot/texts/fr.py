"""Textes affichés dans Slack, en français (la langue par défaut)."""

TEXTS: dict[str, str] = {
    # --- états des dossiers ---
    "state.en_construction": "En construction",
    "state.en_instruction": "En instruction",
    "state.accepte": "Accepté",
    "state.refuse": "Refusé",
    "state.sans_suite": "Classé sans suite",
}
