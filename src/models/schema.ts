import type { Migration } from "../storage/migrations.ts";

/** Migrations of this concern: versions 200-299 (see src/storage/migrations.ts). */
export const modelMigrations: Migration[] = [];
