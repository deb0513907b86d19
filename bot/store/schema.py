"""The schema and its forward migrations, for every backend, in one place.

Each migration is a list of statements in the common subset of SQLite and
PostgreSQL SQL. ``{id}`` stands for the auto-incrementing primary key type, which
each backend substitutes. Never edit a released migration: add the next one.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: windows, conversations, cases, outbox, decisions, audit, settings
    [
        """CREATE TABLE messages (
            id {id},
            conversation TEXT NOT NULL,
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            thread_id TEXT,
            message_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_name TEXT NOT NULL DEFAULT '',
            age_band TEXT NOT NULL DEFAULT 'unknown',
            text TEXT NOT NULL,
            ts DOUBLE PRECISION NOT NULL,
            is_dm INTEGER NOT NULL DEFAULT 0,
            reply_to TEXT,
            link TEXT,
            UNIQUE (conversation, message_id)
        )""",
        "CREATE INDEX messages_conversation ON messages (conversation, id)",
        "CREATE INDEX messages_ts ON messages (ts)",
        "CREATE INDEX messages_author ON messages (platform, author_id)",
        """CREATE TABLE conversations (
            conversation TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            last_ts DOUBLE PRECISION NOT NULL,
            score DOUBLE PRECISION NOT NULL DEFAULT 0,
            level TEXT NOT NULL DEFAULT 'none',
            suspect_id TEXT
        )""",
        """CREATE TABLE cases (
            id {id},
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            kind TEXT NOT NULL,
            conversation TEXT NOT NULL,
            suspect_id TEXT,
            level TEXT NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            participants TEXT NOT NULL DEFAULT '[]',
            signals TEXT NOT NULL DEFAULT '[]',
            evidence TEXT NOT NULL DEFAULT '[]',
            summary TEXT NOT NULL DEFAULT '',
            platform_message_id TEXT,
            hold_until DOUBLE PRECISION,
            UNIQUE (platform, space_id, number)
        )""",
        "CREATE INDEX cases_conversation ON cases (conversation, id)",
        "CREATE INDEX cases_state ON cases (state, updated_at)",
        """CREATE TABLE outbox (
            id {id},
            case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE PRECISION NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            sent_at DOUBLE PRECISION,
            last_error TEXT,
            payload TEXT NOT NULL DEFAULT '{{}}'
        )""",
        "CREATE INDEX outbox_pending ON outbox (state, next_attempt_at, id)",
        """CREATE TABLE decisions (
            id {id},
            case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            actor_name TEXT NOT NULL DEFAULT '',
            at DOUBLE PRECISION NOT NULL,
            reason TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX decisions_case ON decisions (case_id, id)",
        """CREATE TABLE audit (
            id {id},
            at DOUBLE PRECISION NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{{}}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        """CREATE TABLE space_settings (
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (platform, space_id, key)
        )""",
    ],
    # 2: delivery claims with a lease (a job interrupted mid-send is re-checked, and
    # several processes can share the outbox), digest batches, the delivered message id
    [
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE outbox ADD COLUMN claimed_until DOUBLE PRECISION",
        "ALTER TABLE outbox ADD COLUMN batch_id INTEGER",
        "ALTER TABLE outbox ADD COLUMN platform_message_id TEXT",
        "UPDATE outbox SET state = 'pending' WHERE state = 'failed'",
        "CREATE INDEX outbox_space ON outbox (platform, space_id, state, id)",
        "CREATE INDEX outbox_case ON outbox (case_id)",
        "CREATE INDEX outbox_claim ON outbox (claimed_by)",
        "CREATE INDEX cases_number ON cases (number)",
        "CREATE INDEX decisions_action ON decisions (action, case_id)",
        "CREATE INDEX conversations_last_ts ON conversations (last_ts)",
    ],
    # 3: the HTTP ingest API: API keys (only a hash is kept), the inbox of accepted
    # messages, and which process currently scores each space (a lease)
    [
        """CREATE TABLE api_keys (
            id {id},
            key_id TEXT NOT NULL UNIQUE,
            secret_hash TEXT NOT NULL,
            platform TEXT NOT NULL,
            spaces TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION
        )""",
        """CREATE TABLE inbox (
            id {id},
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            body TEXT NOT NULL,
            received_at DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX inbox_space ON inbox (platform, space_id, id)",
        """CREATE TABLE space_leases (
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            generation INTEGER NOT NULL DEFAULT 1,
            expires_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, space_id)
        )""",
    ],
    # 4: messages the inbox could not score (unreadable, or scoring failed on them),
    # set aside with the reason so that the messages behind them are scored
    [
        """CREATE TABLE dead_letters (
            id {id},
            platform TEXT NOT NULL,
            space_id TEXT NOT NULL,
            author_id TEXT,
            body TEXT NOT NULL,
            reason TEXT NOT NULL,
            received_at DOUBLE PRECISION NOT NULL,
            failed_at DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX dead_letters_failed ON dead_letters (failed_at)",
        "CREATE INDEX dead_letters_author ON dead_letters (platform, author_id)",
    ],
    # 5: platform interactions already applied (a moderator's button press, by a hash
    # of the payload's own identifiers), so that a replayed press is not applied again
    [
        """CREATE TABLE interactions (
            platform TEXT NOT NULL,
            key TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, key)
        )""",
        "CREATE INDEX interactions_at ON interactions (at)",
    ],
    # 6: the audit chain is keyed (HMAC-SHA256, key outside the store); entries written
    # before keep their plain SHA-256 and say so
    [
        "ALTER TABLE audit ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0",
    ],
    # 7: a key's own rate limit (a platform's bulk importer, the load test); none: the
    # process's ``http.rate_limit_per_minute``
    [
        "ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER",
    ],
    # 8: the engine lists a space's stored conversations when it starts scoring the
    # space, so that a conversation new to the store is not looked for there
    [
        "CREATE INDEX conversations_space ON conversations (platform, space_id)",
    ],
    # 9: fewer indexes to keep up on every message written (each one a b-tree insert,
    # and on SQLite a page to write per batch). A window is read through
    # ``UNIQUE (conversation, message_id)`` (its rows sorted by id: a window is bounded
    # by the purge); the purge, which already reads every message to bound windows in
    # length, finds old messages and conversations by scanning.
    [
        "DROP INDEX messages_conversation",
        "DROP INDEX messages_ts",
        "DROP INDEX conversations_last_ts",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def statements(version: int, id_type: str) -> list[str]:
    """The statements of migration ``version`` (1-based) for a backend."""
    return [s.format(id=id_type) for s in MIGRATIONS[version - 1]]
