"""The schema of dsbot.db, as an append-only list of migrations (described in the README).

Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from dsbot.store.migration_item_keys import convert as convert_to_item_keys

migrations = Migrations("dsbot")


@migrations()
def m001_links(db: Database) -> None:
    # One row per Slack user: who they act as in DS, and how that link was made.
    db.table("links").create(
        {
            "team_id": str,
            "slack_user_id": str,
            "instructeur_id": str,
            "email": str,
            "method": str,  # "auto" (verified Slack email) or "admin" (lier)
            "linked_by": str,
            "linked_at": str,
        },
        pk=("team_id", "slack_user_id"),
    )
    # The instructeurs the DS token can see, refreshed periodically (automatic linking).
    db.table("instructeur_directory").create(
        {
            "instructeur_id": str,
            "email": str,  # lower-cased
            "demarche_number": int,
            "groupe_number": int,
            "refreshed_at": str,
        },
        pk=("instructeur_id", "groupe_number"),
    )
    db.table("instructeur_directory").create_index(["email"])


@migrations()
def m002_audit(db: Database) -> None:
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "team_id": str,
            "slack_user_id": str,
            "instructeur_id": str,
            "dossier_number": int,
            "action": str,
            "motivation_length": int,
            "file_name": str,
            "file_checksum": str,
            "result": str,  # "ok", "refused", "error"
            "error": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["at"])
    # Idempotency keys of actions: a double click or a double submit runs one mutation.
    db.table("action_keys").create(
        {"key": str, "created_at": str, "status": str, "result": str},
        pk="key",
    )


@migrations()
def m003_notifications(db: Database) -> None:
    # Channel subscriptions (/ds abonner). `since` is when notifying starts: nothing that
    # changed before it is posted. Paused subscriptions are kept (with why) until resumed.
    db.execute(
        """
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            demarche_number INTEGER NOT NULL,
            groupe_number INTEGER,
            states TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            since TEXT NOT NULL,
            paused_reason TEXT,
            paused_at TEXT,
            UNIQUE (team_id, channel_id, demarche_number)
        )
        """
    )
    # One change feed per démarche or groupe, shared by every subscribed channel. The cursor
    # only ever moves forward; `updated_since` is fixed at creation (DS high-volume sync).
    db.execute(
        """
        CREATE TABLE feeds (
            key TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            number INTEGER NOT NULL,
            updated_since TEXT NOT NULL,
            end_cursor TEXT,
            deleted_since TEXT NOT NULL,
            created_at TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll_at TEXT,
            last_error TEXT,
            last_success_at TEXT
        )
        """
    )
    # What each feed last saw of each dossier, to tell a real change from a re-listing.
    db.execute(
        """
        CREATE TABLE feed_snapshots (
            feed_key TEXT NOT NULL,
            dossier_number INTEGER NOT NULL,
            snapshot TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (feed_key, dossier_number)
        )
        """
    )
    # Messages to send, written in the same transaction as the feed cursor. dedupe_key makes
    # a replayed page harmless; status 'sending' marks a call whose outcome may be unknown.
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            dossier_number INTEGER,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sending_at TEXT,
            thread_ts TEXT,
            sent_ts TEXT,
            last_error TEXT
        )
        """
    )
    db.execute("CREATE INDEX outbox_status_channel ON outbox (status, channel_id, id)")
    db.execute("CREATE INDEX outbox_channel_dossier ON outbox (channel_id, dossier_number, status)")
    # The one top-level message of each dossier in each channel, kept for good.
    db.execute(
        """
        CREATE TABLE channel_messages (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            dossier_number INTEGER NOT NULL,
            ts TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, dossier_number)
        )
        """
    )
    # Small durable facts of the poller: DS health and alert state, the single-poller lease.
    db.execute("CREATE TABLE poller_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m004_audit_details(db: Database) -> None:
    # An audit row says whether DS's answer was lost and the result read back (`recovered`),
    # and which idempotency key it ran under, so a duplicate submit can be traced to the first.
    db.table("audit").add_column("recovered", int, not_null_default=0)
    db.table("audit").add_column("action_key", str)


@migrations()
def m005_backend_credentials(db: Database) -> None:
    # A person's own token for a backend that acts per person (Dynacase): encrypted with
    # DSBOT_SECRET_KEY (Fernet), never stored or logged in clear.
    db.table("backend_credentials").create(
        {
            "team_id": str,
            "slack_user_id": str,
            "backend": str,
            "secret": str,  # the Fernet token of the credential
            "created_at": str,
        },
        pk=("team_id", "slack_user_id", "backend"),
    )
    # Audit rows name their backend; every older row is DS's.
    db.table("audit").add_column("backend", str, not_null_default="ds")


@migrations()
def m006_dossier_index(db: Database) -> None:
    # What the feed last read of each dossier of the démarches it follows, so that the App
    # Home and the daily digest answer from SQLite instead of rescanning DS (DS cannot list
    # "the dossiers of this instructeur"). Dates are UTC ISO 8601 strings, as elsewhere.
    db.execute(
        """
        CREATE TABLE dossier_index (
            dossier_number INTEGER PRIMARY KEY,
            demarche_number INTEGER NOT NULL,
            demarche_title TEXT NOT NULL DEFAULT '',
            groupe_number INTEGER NOT NULL,
            state TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            date_depot TEXT NOT NULL,
            state_since TEXT NOT NULL,
            date_derniere_modification TEXT NOT NULL,
            date_derniere_correction_en_attente TEXT,
            date_expiration TEXT,
            date_previsionnelle_decision TEXT,
            last_message_from_usager INTEGER NOT NULL DEFAULT 0,
            last_message_at TEXT,
            has_followers INTEGER NOT NULL DEFAULT 0,
            indexed_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX dossier_index_groupe ON dossier_index (groupe_number, state)")
    db.execute("CREATE INDEX dossier_index_demarche ON dossier_index (demarche_number, state)")
    # Who follows each dossier, and who instructs each groupe, as of the last read.
    db.execute(
        """
        CREATE TABLE dossier_followers (
            dossier_number INTEGER NOT NULL,
            instructeur_id TEXT NOT NULL,
            PRIMARY KEY (instructeur_id, dossier_number)
        )
        """
    )
    db.execute("CREATE INDEX dossier_followers_dossier ON dossier_followers (dossier_number)")
    db.execute(
        """
        CREATE TABLE groupe_members (
            groupe_number INTEGER NOT NULL,
            instructeur_id TEXT NOT NULL,
            PRIMARY KEY (instructeur_id, groupe_number)
        )
        """
    )
    # Each Slack user's Home tab: what they last looked at (filter, pages), when it was last
    # published, and since when it is out of date (the feed saw one of their dossiers change).
    db.execute(
        """
        CREATE TABLE home_tabs (
            team_id TEXT NOT NULL,
            slack_user_id TEXT NOT NULL,
            instructeur_id TEXT,
            sees_all INTEGER NOT NULL DEFAULT 0,
            view_state TEXT NOT NULL DEFAULT '{}',
            published_at TEXT,
            dirty_since TEXT,
            PRIMARY KEY (team_id, slack_user_id)
        )
        """
    )
    db.execute("CREATE INDEX home_tabs_instructeur ON home_tabs (instructeur_id)")


@migrations()
def m007_unfurls(db: Database) -> None:
    # The last link preview of each URL in each channel: one preview per link and channel
    # every 30 minutes, however often the link is pasted (and across restarts).
    db.table("unfurls").create(
        {"team_id": str, "channel_id": str, "url": str, "unfurled_at": str},
        pk=("team_id", "channel_id", "url"),
    )


@migrations()
def m008_dynacase_subscriptions(db: Database) -> None:
    # Channel subscriptions to the items of another backend (a Dynacase family): the
    # `subscriptions` table is DS's (a démarche number, unique per channel). The feed of a
    # family is a `feeds` row keyed `<backend>:<family>`, its cursor the newest revision seen.
    db.execute(
        """
        CREATE TABLE item_subscriptions (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            backend TEXT NOT NULL,
            family TEXT NOT NULL,
            states TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            paused_reason TEXT,
            paused_at TEXT,
            UNIQUE (team_id, channel_id, backend, family)
        )
        """
    )


@migrations()
def m009_item_keys(db: Database) -> None:
    # Items are named by (backend, ref) with ref as text, in the outbox, the channel messages,
    # the subscriptions and the index: a Dynacase document was the negative of its initid in
    # columns made for DS dossier numbers. See dsbot/store/migration_item_keys.py.
    convert_to_item_keys(db)


@migrations()
def m010_item_locks(db: Database) -> None:
    # One row per item being acted on: a lease taken with BEGIN IMMEDIATE by any process
    # sharing the database, from the permission check to the mutation's answer
    # (dsbot/store/locks.py). A row whose lease ran out is free to take again.
    db.execute(
        """
        CREATE TABLE item_locks (
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            holder TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (backend, ref)
        )
        """
    )


@migrations()
def m011_privacy_and_search(db: Database) -> None:
    # The search index of `/ds cherche` and the Home's search box (dsbot/store/search.py): one
    # row per indexed DS dossier, rowid = its number. It holds personal data (the demandeur's
    # name, e-mail, SIRET): erased with the dossier (docs/privacy.md). Accents and case are
    # ignored by the tokenizer. Filled here from the dossiers already indexed (their demandeur
    # comes with their next read). `groupe` ("g<number>") lets a search keep a person's
    # groupes inside FTS5 itself; the prefix indexes make a word's beginning cheap to match.
    db.execute(
        "CREATE VIRTUAL TABLE dossier_search USING fts5(number, demandeur, email, siret, labels,"
        " demarche_title, groupe, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    db.execute(
        "INSERT INTO dossier_search (rowid, number, demandeur, email, siret, labels,"
        " demarche_title, groupe) SELECT CAST(ref AS INTEGER), ref, '', '', '', '',"
        " demarche_title, 'g' || groupe_number FROM dossier_index WHERE backend = 'ds'"
    )
    # Since when the oldest avis still unanswered was asked, for the digest's reminders.
    db.execute("ALTER TABLE dossier_index ADD COLUMN avis_pending_since TEXT")
    # The bot's messages about an item posted outside the outbox (a card shared in a channel,
    # an action told in a card's thread), so that erasing the item replaces them too.
    db.execute(
        """
        CREATE TABLE slack_posts (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            what TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, ts)
        )
        """
    )
    db.execute("CREATE INDEX slack_posts_item ON slack_posts (backend, ref)")


@migrations()
def m012_card_captures_and_outbox_indexes(db: Database) -> None:
    # What each card needs, captured by the feed: the sender renders without reading the
    # backend again (dsbot/store/card_captures.py).
    db.execute(
        """
        CREATE TABLE card_captures (
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            card TEXT,
            read_at TEXT NOT NULL,
            PRIMARY KEY (backend, ref)
        )
        """
    )
    db.execute("CREATE INDEX card_captures_read_at ON card_captures (read_at)")
    # A channel's next row without a rescan of its waiting ones (in id order, as the scheduler
    # reads them), and the pruning of old rows without a scan of the table.
    db.execute(
        "CREATE INDEX outbox_open_channel ON outbox (channel_id, id)"
        " WHERE status IN ('pending', 'sending')"
    )
    db.execute("CREATE INDEX outbox_created ON outbox (created_at)")


@migrations()
def m013_personal_notifications(db: Database) -> None:
    # Each person's choice, per topic of personal notification (`Topic`): instantane,
    # quotidien or aucune (`Mode`). No row: the default (dsbot.notifications.model.personal).
    db.execute(
        """
        CREATE TABLE notification_prefs (
            team_id TEXT NOT NULL,
            slack_user_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            mode TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, slack_user_id, topic)
        )
        """
    )
