/**
 * Sync's cryptography (node:crypto): the folder's sync key (256 bits, kept 0600 in user/, never in the folder,
 * which holds only a check value), each item's own key (wrapped under the sync key), and AES-256-GCM for every
 * text an operation carries. Sealed values are base64 of iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes), bound to
 * their item's global id (additional data), so a sealed value cannot be moved to another item.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const KEY_BYTES = 32;

export { uuid7 } from "../../kernel/uuid.ts";

export const newKey = (): Buffer => randomBytes(KEY_BYTES);

/** The sync key as the user copies it between devices (base64url, 43 characters). */
export const keyText = (k: Buffer): string => k.toString("base64url");

/** Reads a sync key as the user typed it; undefined when it is not one. */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(t)) return undefined;
  const k = Buffer.from(t, "base64url");
  return k.length === KEY_BYTES ? k : undefined;
}

/** What the folder holds to recognise the right key, from which the key cannot be recovered. */
export const keyCheck = (k: Buffer): string => createHmac("sha256", k).update("pai sync key check v1").digest("base64url");

export function keyMatches(k: Buffer, check: string): boolean {
  const a = Buffer.from(keyCheck(k));
  const b = Buffer.from(check);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function seal(key: Buffer, plain: string | Buffer, gid: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(gid));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]).toString("base64");
}

/** The plain bytes, or undefined when the key is wrong or the value was altered. */
export function open(key: Buffer, sealed: string, gid: string): Buffer | undefined {
  try {
    const raw = Buffer.from(sealed, "base64");
    if (raw.length < 28) return undefined;
    const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(gid));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}
