import type { Migration } from "../storage/migrations.ts";

/** Migrations of this concern: versions 100-199 (see src/storage/migrations.ts). */
export const memoryMigrations: Migration[] = [];
