/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by creation. The random bits
 * come from the global Web Crypto `randomUUID` (a version 4 UUID: 122 random bits, its variant already that of
 * RFC 9562), whose first 48 bits and version are replaced by the time and 7: native, and no node:crypto (and
 * the stream stack it brings) loaded by a command that writes a memory.
 */

let lastMs = -1;
let prefix = "";

export function uuid7(ms = Date.now()): string {
  if (ms !== lastMs) {
    lastMs = ms;
    // Twelve hex digits of milliseconds (ms < 2^48), as 8-4.
    const hex = Math.floor(ms).toString(16).padStart(12, "0");
    prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
  }
  // randomUUID: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; from index 15 on, its random bits and variant are kept.
  return prefix + crypto.randomUUID().slice(15);
}
