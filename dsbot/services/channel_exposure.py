"""Channels that receive personal data and have guests or another organisation in them.

A subscribed channel receives demandeur names, SIRET, e-mails and message excerpts. Subscribing
one that has guests or is shared with another organisation needs an admin's explicit
confirmation (the Slack side asks it and says why); the choice, refused or confirmed, is
audited here. A channel that later gains a guest or an external share has its subscriptions
paused, DS's and the other backends' alike, and an ops alert queued, until an admin decides
(`/ds abonner … confirmer` resumes, `/ds desabonner` stops).

Nothing of Slack here: what the channel is (its flags, its guests) is read by the Slack side
(dsbot.slack.interaction.audience) and handed in as plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dsbot.logs import get_logger
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.audit import AuditRow, insert_audit, to_iso
from dsbot.store.notifications import AlertPayload, OutboxEntry

log = get_logger(__name__)

# The audit's `action` of an admin's choice on an exposed channel; its `result` is "refused"
# (no confirmation) or "ok" (confirmed), its `error` the channel and the reasons' codes.
AUDIT_ACTION = "abonner_canal_expose"
ALERT_KEY = "notify.channel_exposed"


def utc_now() -> datetime:
    return datetime.now(UTC)


class ChannelExposure:
    def __init__(
        self, store: Store, ops_channel: str | None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.ops_channel = ops_channel
        self.clock = clock

    def record_choice(
        self,
        team_id: str,
        admin_id: str,
        channel_id: str,
        scope: int | str,
        codes: tuple[str, ...],
        *,
        confirmed: bool,
        backend: str = "ds",
    ) -> None:
        """Audit an admin's subscription of an exposed channel: `scope` is the démarche, or
        another backend's scope (a named one is in `error`, its number 0), `codes` why it is
        exposed."""
        where = channel_id if isinstance(scope, int) else f"{channel_id} {scope}"
        row = AuditRow(
            at=to_iso(self.clock()),
            team_id=team_id,
            slack_user_id=admin_id,
            instructeur_id=None,
            dossier_number=scope if isinstance(scope, int) else 0,
            action=AUDIT_ACTION,
            motivation_length=None,
            file_name=None,
            file_checksum=None,
            result="ok" if confirmed else "refused",
            error=f"{where}: {', '.join(codes)}",
            backend=backend,
        )
        with q.write(self.store) as db:
            insert_audit(db, row)

    def subscribed(self, team_id: str, channel_id: str) -> bool:
        """Whether the channel has a subscription still notifying (else nothing to pause)."""
        with self.store.connect() as db:
            subs = q.channel_subscriptions(db, team_id, channel_id)
            families = q.channel_item_subscriptions(db, team_id, channel_id)
        return any(s.active for s in subs) or any(f.active for f in families)

    def pause(self, team_id: str, channel_id: str, reason: str) -> list[str]:
        """Pause the channel's active subscriptions and queue one alert (to the ops channel, or
        to whoever created them); returns what was paused (démarches, scopes)."""
        now = self.clock()
        with q.write(self.store) as db:
            subs = [s for s in q.channel_subscriptions(db, team_id, channel_id) if s.active]
            for sub in subs:
                q.set_paused(db, sub.id, reason, now)
            families = q.pause_item_subscriptions(db, team_id, channel_id, reason, now)
            paused = [str(s.demarche_number) for s in subs] + [f.family for f in families]
            if not paused:
                return []
            targets = (
                [self.ops_channel]
                if self.ops_channel
                else sorted({s.created_by for s in subs} | {f.created_by for f in families})
            )
            params: dict[str, str | int] = {
                "channel": f"<#{channel_id}>",
                "reason": reason,
                "demarches": ", ".join(paused),
            }
            for target in targets:
                key = f"exposed:{team_id}:{channel_id}:{target}:{q.to_iso(now)}"
                q.enqueue(
                    db,
                    OutboxEntry(team_id, target, None, AlertPayload(ALERT_KEY, params), key),
                    now,
                )
        log.warning("channel.paused_exposed", channel=channel_id, subscriptions=len(paused))
        return paused
