"""The body of migration m009_item_keys (kept here so that migrations.py stays a list one can
read): the outbox, the channel messages, the subscriptions and the index re-keyed by
`(backend, ref)`, ref as text. Never edit it once shipped, as any migration."""

from __future__ import annotations

from sqlite_utils import Database

# How m009 reads a number of the dossier columns: a DS dossier, or (negative) a Dynacase
# document by its initid, as the bot wrote them until then.
_BACKEND_OF_NUMBER = "CASE WHEN {col} < 0 THEN 'dynacase' ELSE 'ds' END"
_REF_OF_NUMBER = "CAST(abs({col}) AS TEXT)"


def convert(db: Database) -> None:
    # The outbox and the channel messages name their item by (backend, ref), ref as text, so
    # that a backend whose references are not numbers can be notified. Until now a Dynacase
    # document took the negative of its initid in the columns made for DS dossier numbers.
    # SQLite cannot change a primary key in place: each table is rebuilt and its rows copied.
    db.execute(
        """
        CREATE TABLE outbox_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            backend TEXT,
            ref TEXT,
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
            last_error TEXT,
            CHECK ((backend IS NULL) = (ref IS NULL))
        )
        """
    )
    backend = _BACKEND_OF_NUMBER.format(col="dossier_number")
    ref = _REF_OF_NUMBER.format(col="dossier_number")
    columns = (
        "id, team_id, channel_id, kind, payload, dedupe_key, status, attempts, next_attempt_at,"
        " created_at, sending_at, thread_ts, sent_ts, last_error"
    )
    # The ids are kept: Slack messages carry their outbox id in their metadata (DeliveryTag),
    # and AUTOINCREMENT's counter goes on from the highest one ever given.
    db.execute(
        f"INSERT INTO outbox_new ({columns}, backend, ref) SELECT {columns},"
        f" CASE WHEN dossier_number IS NULL THEN NULL ELSE {backend} END,"
        f" CASE WHEN dossier_number IS NULL THEN NULL ELSE {ref} END FROM outbox"
    )
    db.execute("DELETE FROM sqlite_sequence WHERE name = 'outbox_new'")
    db.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_new', max("
        "coalesce((SELECT max(seq) FROM sqlite_sequence WHERE name = 'outbox'), 0),"
        " coalesce((SELECT max(id) FROM outbox_new), 0))"
    )
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_new RENAME TO outbox")
    db.execute("CREATE INDEX outbox_status_channel ON outbox (status, channel_id, id)")
    db.execute("CREATE INDEX outbox_channel_item ON outbox (channel_id, backend, ref, status)")

    db.execute(
        """
        CREATE TABLE channel_messages_new (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            ts TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, backend, ref)
        )
        """
    )
    db.execute(
        "INSERT INTO channel_messages_new (team_id, channel_id, backend, ref, ts, created_at,"
        f" updated_at) SELECT team_id, channel_id, {backend}, {ref}, ts, created_at, updated_at"
        " FROM channel_messages"
    )
    db.execute("DROP TABLE channel_messages")
    db.execute("ALTER TABLE channel_messages_new RENAME TO channel_messages")
    # The thread of an action told from Slack is found by the message's ts.
    db.execute("CREATE INDEX channel_messages_ts ON channel_messages (team_id, channel_id, ts)")

    # One table of subscriptions, each to (backend, ref): a DS démarche (its number as text)
    # or another backend's family (m008's item_subscriptions). DS rows keep their ids.
    db.execute(
        """
        CREATE TABLE subscriptions_new (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            groupe_number INTEGER,
            states TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            since TEXT NOT NULL,
            paused_reason TEXT,
            paused_at TEXT,
            UNIQUE (team_id, channel_id, backend, ref)
        )
        """
    )
    common = "team_id, channel_id, states, created_by, created_at, paused_reason, paused_at"
    db.execute(
        f"INSERT INTO subscriptions_new (id, {common}, backend, ref, groupe_number, since)"
        f" SELECT id, {common}, 'ds', CAST(demarche_number AS TEXT), groupe_number, since"
        " FROM subscriptions"
    )
    # A family's feed starts when it is created: its `since` is its creation.
    db.execute(
        f"INSERT INTO subscriptions_new ({common}, backend, ref, since)"
        f" SELECT {common}, backend, family, created_at FROM item_subscriptions ORDER BY id"
    )
    db.execute("DROP TABLE subscriptions")
    db.execute("DROP TABLE item_subscriptions")
    db.execute("ALTER TABLE subscriptions_new RENAME TO subscriptions")

    # The local index keys its items the same way (it holds DS dossiers: ref is the number).
    db.execute(
        """
        CREATE TABLE dossier_index_new (
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
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
            indexed_at TEXT NOT NULL,
            PRIMARY KEY (backend, ref)
        )
        """
    )
    indexed = (
        "demarche_number, demarche_title, groupe_number, state, archived, date_depot,"
        " state_since, date_derniere_modification, date_derniere_correction_en_attente,"
        " date_expiration, date_previsionnelle_decision, last_message_from_usager,"
        " last_message_at, has_followers, indexed_at"
    )
    db.execute(
        f"INSERT INTO dossier_index_new (backend, ref, {indexed}) SELECT {backend}, {ref},"
        f" {indexed} FROM dossier_index"
    )
    db.execute("DROP TABLE dossier_index")
    db.execute("ALTER TABLE dossier_index_new RENAME TO dossier_index")
    db.execute("CREATE INDEX dossier_index_groupe ON dossier_index (groupe_number, state)")
    db.execute("CREATE INDEX dossier_index_demarche ON dossier_index (demarche_number, state)")
    db.execute(
        """
        CREATE TABLE dossier_followers_new (
            backend TEXT NOT NULL,
            ref TEXT NOT NULL,
            instructeur_id TEXT NOT NULL,
            PRIMARY KEY (instructeur_id, backend, ref)
        )
        """
    )
    db.execute(
        "INSERT INTO dossier_followers_new (backend, ref, instructeur_id)"
        f" SELECT {backend}, {ref}, instructeur_id FROM dossier_followers"
    )
    db.execute("DROP TABLE dossier_followers")
    db.execute("ALTER TABLE dossier_followers_new RENAME TO dossier_followers")
    db.execute("CREATE INDEX dossier_followers_item ON dossier_followers (backend, ref)")
