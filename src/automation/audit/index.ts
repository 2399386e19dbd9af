/**
 * The tamper-evident audit trail: appending and reading entries (trail.ts), verifying the chain (verify.ts),
 * and its migrations (migrations.ts).
 */
export * from "./trail.ts";
export * from "./verify.ts";
