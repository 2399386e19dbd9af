/**
 * Every concern's migrations, gathered in one list. Each concern owns a block of version numbers and lists
 * its migrations in its own schema file; nothing below this folder knows the others' tables.
 *
 * Blocks: 1-99 core, 100-199 memory, 200-299 models, 300-399 packs, 400-449 jobs (and, from the first
 * automation migration, the audit table), 450-499 the audit trail, 500-599 interop, 600-649 conversation.
 * Never edit a migration that has shipped: add a new one with the next number of its block.
 */
import { orderMigrations, type Migration } from "../kernel/storage/migrations.ts";
import { memoryMigrations } from "../memory/schema.ts";
import { modelMigrations } from "../models/schema.ts";
import { packMigrations } from "../packs/schema.ts";
import { jobMigrations } from "../automation/jobs/migrations.ts";
import { auditMigrations } from "../automation/audit/migrations.ts";
import { conversationMigrations } from "../conversation/schema.ts";

const coreMigrations: Migration[] = [
  {
    version: 1,
    name: "core",
    up: `
      CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
];

let ordered: Migration[] | undefined;

/** The whole list, in version order (checked once per process: no version twice). */
export function allMigrations(): Migration[] {
  return (ordered ??= orderMigrations([coreMigrations, memoryMigrations, modelMigrations, packMigrations, jobMigrations, auditMigrations, conversationMigrations]));
}
