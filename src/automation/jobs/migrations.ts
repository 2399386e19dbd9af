import type { Migration } from "../../kernel/storage/migrations.ts";

/**
 * Migrations of the jobs: versions 400-449 (see src/app/migrations.ts); the audit trail's are 450-499
 * (../audit/migrations.ts).
 *
 * Migration 400 shipped creating every automation table at once, and a shipped migration is never split, so it
 * stays whole here, the first of the block:
 * - job_state: what each job's trigger remembers across restarts (next run time, threshold side, last mail UID).
 * - job_firings: one row per firing, keyed (job, fire_key) so the same scheduled time never fires twice.
 * - approvals: actions waiting for the user.
 * - daemon_state: small key/value facts shared by the jobs, the daemon and the CLI (the kill switch, the lease
 *   of the running daemon, the audit head anchor; see ../state.ts).
 * - audit_log: the append-only, hash-chained audit trail (UPDATE and DELETE are refused by triggers), owned by
 *   the audit trail (../audit/index.ts).
 */
export const jobMigrations: Migration[] = [
  {
    version: 400,
    name: "daemon",
    up: `
      CREATE TABLE daemon_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE job_state (
        job TEXT PRIMARY KEY,
        schedule TEXT,
        next_run TEXT,
        last_fired TEXT,
        threshold_on INTEGER,
        threshold_value REAL,
        mail_uid INTEGER,
        mail_uid_validity TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE job_firings (
        id INTEGER PRIMARY KEY,
        job TEXT NOT NULL,
        fire_key TEXT NOT NULL,
        trigger TEXT NOT NULL,
        scheduled_at TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        detail TEXT,
        pid INTEGER,
        UNIQUE (job, fire_key)
      ) STRICT;
      CREATE INDEX job_firings_job_time ON job_firings (job, created_at);
      CREATE INDEX job_firings_status ON job_firings (status);

      CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        job TEXT NOT NULL,
        firing_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        trigger TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        decided_at TEXT,
        reason TEXT,
        result TEXT
      ) STRICT;
      CREATE INDEX approvals_status ON approvals (status);

      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        job TEXT,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_job ON audit_log (job, seq);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    // Approvals keep a redacted copy of the action (for display) and the hash of the real one: approving runs the
    // job's action as it is in its file, only if it is still the action that was put up for approval.
    version: 401,
    name: "approvals action hash",
    up: "ALTER TABLE approvals ADD COLUMN action_hash TEXT",
  },
];
