import type { Migration } from "../storage/migrations.ts";

/** Migrations of this concern: versions 300-399 (see src/storage/migrations.ts). */
export const packMigrations: Migration[] = [];
