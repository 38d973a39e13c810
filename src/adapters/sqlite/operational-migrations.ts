import type { Migration } from './database.js';

/** Schema of the operational store (state.db). Append new versions; never edit old ones. */
export const operationalMigrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        channel TEXT NOT NULL,
        write_key TEXT NOT NULL UNIQUE,
        previous_write_key TEXT UNIQUE,
        previous_write_key_expires_at INTEGER,
        enabled INTEGER NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE rejections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        message_id TEXT,
        problems TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX rejections_by_source ON rejections (source_id, id);
      CREATE INDEX rejections_by_time ON rejections (received_at);
      CREATE TABLE tracking_plans (
        source_id TEXT PRIMARY KEY,
        plan TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE plan_violations (
        source_id TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT NOT NULL,
        count INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        last_problem TEXT NOT NULL,
        PRIMARY KEY (source_id, type, event)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE checkpoints (
        consumer TEXT NOT NULL,
        partition INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        PRIMARY KEY (consumer, partition)
      ) WITHOUT ROWID;
      CREATE TABLE identity_identifiers (
        key TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX identity_identifiers_by_profile ON identity_identifiers (profile_id);
      CREATE TABLE identity_fragments (
        key TEXT PRIMARY KEY,
        identifiers TEXT NOT NULL,
        claim_ts TEXT NOT NULL,
        claim_message TEXT NOT NULL,
        home_profile_id TEXT NOT NULL,
        state TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX identity_fragments_by_home ON identity_fragments (home_profile_id);
      CREATE TABLE identity_fragment_members (
        identifier_key TEXT NOT NULL,
        fragment_key TEXT NOT NULL,
        PRIMARY KEY (identifier_key, fragment_key)
      ) WITHOUT ROWID;
      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        identifier_counts TEXT NOT NULL,
        max_claim_ts TEXT NOT NULL,
        max_claim_message TEXT NOT NULL,
        constrained INTEGER NOT NULL,
        conflicted INTEGER NOT NULL,
        merged_into TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX profiles_by_survivor ON profiles (merged_into) WHERE merged_into IS NOT NULL;
      CREATE TABLE profile_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        other_profile_id TEXT NOT NULL,
        identifiers TEXT NOT NULL,
        at INTEGER NOT NULL,
        cause TEXT NOT NULL
      );
      CREATE INDEX profile_history_by_profile ON profile_history (profile_id);
      CREATE INDEX profile_history_by_other ON profile_history (other_profile_id);
      CREATE TABLE identity_conflicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        profile_id TEXT NOT NULL,
        other_profile_id TEXT NOT NULL,
        anchor TEXT NOT NULL,
        identifier TEXT NOT NULL,
        reason TEXT NOT NULL,
        fragment_key TEXT NOT NULL,
        claim_ts TEXT NOT NULL,
        claim_message TEXT NOT NULL
      );
      CREATE INDEX identity_conflicts_by_profile ON identity_conflicts (profile_id);
      CREATE INDEX identity_conflicts_by_other ON identity_conflicts (other_profile_id);
      CREATE TABLE identity_cannot_links (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        PRIMARY KEY (a, b)
      ) WITHOUT ROWID;
      CREATE INDEX identity_cannot_links_by_b ON identity_cannot_links (b);
    `,
  },
  {
    version: 3,
    sql: `
      -- Golden scalar traits of live profiles, for trait search (one row per profile and trait).
      CREATE TABLE profile_trait_index (
        trait TEXT NOT NULL,
        value_text TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (trait, value_text, profile_id)
      ) WITHOUT ROWID;
      CREATE INDEX profile_trait_index_by_profile ON profile_trait_index (profile_id);
      -- The survivorship rules the whole index was last rebuilt under; other rules mean rebuilding it.
      CREATE TABLE profile_trait_index_rules (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        rules TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      -- The global suppression list: identifiers never to contact, newest first per filter.
      CREATE TABLE suppressions (
        identifier TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        reason TEXT NOT NULL,
        note TEXT,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX suppressions_by_time ON suppressions (created_at, identifier);
      CREATE INDEX suppressions_by_reason ON suppressions (reason, created_at, identifier);
      CREATE INDEX suppressions_by_type ON suppressions (type, created_at, identifier);
      -- What stays of erased people: an audit record each, and a keyed hash of every identifier they had.
      CREATE TABLE erasures (
        id TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL,
        merged_ids TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        at INTEGER NOT NULL,
        identifier_hashes TEXT NOT NULL,
        erased_events INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE erased_identifiers (
        hash TEXT PRIMARY KEY,
        erasure_id TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    sql: `
      CREATE TABLE segments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        condition TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE segment_members (
        segment_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (segment_id, profile_id)
      ) WITHOUT ROWID;
      CREATE INDEX segment_members_by_profile ON segment_members (profile_id);
      CREATE TABLE segment_timers (
        profile_id TEXT PRIMARY KEY,
        due_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX segment_timers_by_due ON segment_timers (due_at);
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    sql: `
      CREATE TABLE computed_traits (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        events_replayed INTEGER NOT NULL,
        backfilled_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    sql: `
      -- Profiles changed since the profile mirror last looked (store/profile-changes.ts): one row per profile.
      CREATE TABLE profile_changes (
        profile_id TEXT PRIMARY KEY,
        structural INTEGER NOT NULL,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX profile_changes_by_seq ON profile_changes (seq);
    `,
  },
  {
    version: 8,
    sql: `
      CREATE TABLE journeys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        live_version INTEGER,
        latest_version INTEGER NOT NULL,
        scheduled_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE journey_versions (
        journey_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        definition TEXT NOT NULL,
        published_at INTEGER,
        PRIMARY KEY (journey_id, version)
      ) WITHOUT ROWID;
      CREATE TABLE journey_instances (
        id TEXT PRIMARY KEY,
        journey_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        profile_id TEXT NOT NULL,
        status TEXT NOT NULL,
        step TEXT,
        visit INTEGER NOT NULL,
        step_entered_at INTEGER NOT NULL,
        wake_at INTEGER,
        waiting_for TEXT,
        entry TEXT NOT NULL,
        variant TEXT,
        holdout INTEGER NOT NULL,
        converted INTEGER NOT NULL,
        entered_at INTEGER NOT NULL,
        ended_at INTEGER,
        exit_reason TEXT
      ) WITHOUT ROWID;
      CREATE INDEX journey_instances_by_profile ON journey_instances (profile_id);
      CREATE INDEX journey_instances_by_wake ON journey_instances (wake_at) WHERE status = 'active' AND wake_at IS NOT NULL;
      CREATE INDEX journey_instances_by_journey ON journey_instances (journey_id, version, status);
      CREATE TABLE journey_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        step TEXT,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX journey_history_by_instance ON journey_history (instance_id);
      CREATE TABLE journey_sends (
        idempotency_key TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        step TEXT NOT NULL,
        channel TEXT NOT NULL,
        category TEXT NOT NULL,
        template TEXT NOT NULL,
        variant TEXT,
        at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX journey_sends_by_profile ON journey_sends (profile_id, at);
      CREATE INDEX journey_sends_by_time ON journey_sends (at);
      CREATE TABLE journey_effects (
        idempotency_key TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE TABLE contact_policies (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        policies TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    sql: `
      -- File imports (store/import-store.ts): the record as JSON, and one row per rejected line.
      CREATE TABLE imports (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        record TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX imports_by_time ON imports (created_at);
      CREATE INDEX imports_by_source ON imports (source_id, created_at);
      CREATE TABLE import_rejects (
        import_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        column_name TEXT,
        reason TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (import_id, line)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    sql: `
      -- Web push subscriptions (store/push-subscription-store.ts): one per browser endpoint, reached
      -- from a profile through its push_subscription identifier (the row's id).
      CREATE TABLE push_subscriptions (
        id TEXT PRIMARY KEY,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- The in-app inbox (store/inbox-store.ts): one row per message, read by the person's apps.
      CREATE TABLE inbox_messages (
        id TEXT PRIMARY KEY,
        delivery_id TEXT NOT NULL UNIQUE,
        profile_id TEXT NOT NULL,
        title TEXT,
        body TEXT NOT NULL,
        url TEXT,
        origin TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX inbox_messages_by_profile ON inbox_messages (profile_id, created_at);
      -- Webhook deliveries the dispatcher gave up on (store/webhook-dead-letter-store.ts), until replayed.
      CREATE TABLE webhook_dead_letters (
        delivery_id TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        failed_at INTEGER NOT NULL,
        replayed_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX webhook_dead_letters_by_time ON webhook_dead_letters (failed_at) WHERE replayed_at IS NULL;
    `,
  },
  {
    version: 11,
    sql: `
      -- Probabilistic matching of profiles (profiles/profile-matching.ts, store/match-store.ts): each run
      -- with its config and summary, and each pair a run kept (auto-merged or for review) with the
      -- decision on it. A pair's id derives from its two anchor identifiers, so decisions are remembered.
      CREATE TABLE match_runs (
        id TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE match_pairs (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        left_key TEXT NOT NULL,
        right_key TEXT NOT NULL,
        left_profile_id TEXT NOT NULL,
        right_profile_id TEXT NOT NULL,
        probability REAL NOT NULL,
        weight REAL NOT NULL,
        status TEXT NOT NULL,
        explanation TEXT NOT NULL,
        decided_by TEXT,
        decided_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX match_pairs_review ON match_pairs (probability DESC, id) WHERE status = 'review';
    `,
  },
  {
    version: 12,
    sql: `
      -- Journey webhook calls (journeys/webhook-performer.ts): attempts begun, when the next is due
      -- (a lease while one is in flight, a backoff after a failure), and the outcome once settled.
      ALTER TABLE journey_effects ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE journey_effects ADD COLUMN due_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE journey_effects ADD COLUMN last_error TEXT;
      ALTER TABLE journey_effects ADD COLUMN outcome TEXT;
      CREATE INDEX journey_effects_due_webhooks ON journey_effects (due_at) WHERE kind = 'webhook' AND done = 0;
    `,
  },
  {
    version: 13,
    sql: `
      -- Channels (channels/delivery): one outbox entry per journey send, created by a trigger in the
      -- transaction that records the send, so a send is never decided without an entry to deliver it.
      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        step TEXT NOT NULL,
        channel TEXT NOT NULL,
        category TEXT NOT NULL,
        template TEXT NOT NULL,
        variant TEXT,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        recipient TEXT,
        provider TEXT,
        provider_message_id TEXT,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued';
      CREATE INDEX deliveries_sending ON deliveries (status) WHERE status = 'sending';
      CREATE INDEX deliveries_by_profile ON deliveries (profile_id, created_at);
      CREATE INDEX deliveries_by_time ON deliveries (created_at);
      CREATE TRIGGER journey_sends_deliver AFTER INSERT ON journey_sends
      BEGIN
        INSERT OR IGNORE INTO deliveries (id, instance_id, journey_id, profile_id, step, channel, category, template, variant,
          status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (NEW.idempotency_key, NEW.instance_id, NEW.journey_id, NEW.profile_id, NEW.step, NEW.channel, NEW.category,
          NEW.template, NEW.variant, 'queued', 0, NEW.at, NEW.at, NEW.at);
      END;
      CREATE TABLE message_templates (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE channel_configs (
        channel TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        rate_limit TEXT,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 14,
    sql: `
      -- A profile's memberships, read for every profile each segment, journey and mirror batch touches,
      -- from the index alone: without 'since' in it, each of them cost one more lookup in the table.
      CREATE INDEX segment_members_of_profile ON segment_members (profile_id, segment_id, since);
      DROP INDEX segment_members_by_profile;
    `,
  },
];
