/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by creation. Made with the global
 * Web Crypto random source: loading node:crypto (and the stream stack it brings) would cost every command that
 * writes a memory a few milliseconds.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Random bytes drawn 4 KiB at a time (one call to the random source per 409 ids), used once each. */
const pool = new Uint8Array(4096);
let used = pool.length;

export function uuid7(ms = Date.now()): string {
  if (used + 10 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  const b = new Uint8Array(16);
  b.set(pool.subarray(used, used + 10), 6);
  used += 10;
  // Six bytes of milliseconds, big-endian (ms < 2^48, beyond what 32-bit shifts reach).
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  let h = "";
  for (let i = 0; i < 16; i++) h += HEX[b[i]!]! + (i === 3 || i === 5 || i === 7 || i === 9 ? "-" : "");
  return h;
}
