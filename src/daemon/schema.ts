import type { Migration } from "../storage/migrations.ts";

/** Migrations of this concern: versions 400-499 (see src/storage/migrations.ts). */
export const daemonMigrations: Migration[] = [];
