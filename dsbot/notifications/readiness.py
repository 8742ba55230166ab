"""What /healthz and /readyz say of the notification side: each feed, and the outbox.

Read from the database at each request, so that the answer is the poller's durable state, the
same after a restart: each feed's last success, failures in a row and last error (`feeds`), each
backend's fault of the last cycle (`poller_state`, written by `FeedHealth.check`), and the oldest
row still waiting in the outbox. The reasons are French, for the operator.

Not ready when:
- a feed has failed FEED_FAILED_CYCLES cycles in a row (an outage, a bug);
- a backend refused the bot's credential in the last cycle (at once: waiting will not fix it);
- the oldest row of the outbox has waited longer than `outbox_max_age` (Slack refuses, the
  delivery thread is stuck).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dsbot.notifications.feeds import Feeds
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.feeds import Feed
from dsbot.texts import get_texts

FEED_FAILED_CYCLES = 2
OUTBOX_MAX_AGE = 1800.0  # seconds; DSBOT_OUTBOX_MAX_AGE


@dataclass
class Readiness:
    """One answer: the JSON parts and the French reasons (none: ready)."""

    body: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def refusal_sentence(backend: str, refused: dict[str, Any]) -> str:
    """The ops alert's own sentence when the backend has one for this refusal (DS: expired,
    unknown token, refused address), else a generic one naming the backend."""
    kind = str(refused.get("kind") or "")
    error = str(refused.get("error") or "?")
    texts = get_texts("fr")
    key = f"notify.ops.{kind}"
    if kind and not kind.endswith("_down") and texts.has(key):
        sentence = texts(key, count=1, error=error)
        # The Slack message starts with an emoji; the operator's line does not need it.
        first, _, rest = sentence.partition(" ")
        return rest if rest and not first[:1].isalnum() else sentence
    return f"{backend.capitalize()} refuse le jeton du bot ({error}) : vérifiez-le"


def feed_json(feed: Feed, backend: str) -> dict[str, Any]:
    return {
        "key": feed.key,
        "backend": backend,
        "last_success": feed.last_success_at.isoformat() if feed.last_success_at else None,
        "consecutive_failures": feed.failures,
        "reason": feed.last_error,
    }


@dataclass
class NotificationHealth:
    """The notification side's readiness, read from `store` (see the module's docstring)."""

    store: Store
    feeds: Feeds
    clock: Callable[[], datetime]
    outbox_max_age: float = OUTBOX_MAX_AGE

    def report(self) -> Readiness:
        answer = Readiness()
        with self.store.connect() as db:
            active = q.active_feeds(db)
            states = {
                b.health_key: q.get_state(db, b.health_key) or {} for b in self.feeds.backends
            }
            backlog = q.backlog(db)
        self._feeds(active, states, answer)
        self._outbox(backlog, answer)
        return answer

    def _feeds(
        self, active: list[Feed], states: dict[str, dict[str, Any]], answer: Readiness
    ) -> None:
        listed: list[dict[str, Any]] = []
        for feed in active:
            owner = self.feeds.owner(feed)
            backend = owner.backend.value if owner else feed.scope
            listed.append(feed_json(feed, backend))
            if feed.failures >= FEED_FAILED_CYCLES:
                answer.reasons.append(
                    f"flux {feed.key} : {feed.failures} échecs de suite ({feed.last_error or '?'})"
                )
        for owner in self.feeds.backends:
            refused = states[owner.health_key].get("refused")
            if refused:
                name = owner.backend.value
                answer.reasons.append(f"{name} : {refusal_sentence(name, refused)}")
        answer.body["feeds"] = listed

    def _outbox(self, backlog: q.Backlog, answer: Readiness) -> None:
        age = (self.clock() - backlog.oldest).total_seconds() if backlog.oldest else 0.0
        age = max(age, 0.0)
        answer.body["outbox"] = {
            "depth": backlog.depth,
            "oldest_age_seconds": round(age, 1),
            "max_age_seconds": self.outbox_max_age,
        }
        if backlog.depth and age > self.outbox_max_age:
            answer.reasons.append(
                f"outbox : un message attend depuis {age:.0f} s, plus que DSBOT_OUTBOX_MAX_AGE"
                f" ({self.outbox_max_age:g} s) ; {backlog.depth} en attente"
            )
