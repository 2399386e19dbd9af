/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by creation. Made with the global
 * Web Crypto random source: loading node:crypto (and the stream stack it brings) would cost every command that
 * writes a memory a few milliseconds.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function uuid7(ms = Date.now()): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
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
