import type { Migration } from "../../kernel/storage/migrations.ts";

/**
 * Migrations of the audit trail: versions 450-499 (see src/app/migrations.ts). Its table, audit_log, was created
 * by migration 400, which shipped creating every automation table at once and is kept whole in
 * ../jobs/migrations.ts. A change to the audit trail's tables is added here, from version 450.
 */
export const auditMigrations: Migration[] = [];
