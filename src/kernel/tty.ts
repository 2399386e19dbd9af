/**
 * Whether a file descriptor is a terminal, from fstat alone: a character device other than /dev/null. Loading
 * node:tty costs a few milliseconds at start-up (it brings the stream classes); this needs only node:fs.
 */
import { fstatSync, statSync } from "node:fs";

let nullDevice: number | undefined;

export function isTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    nullDevice ??= statSync("/dev/null").rdev;
    return st.rdev !== nullDevice;
  } catch {
    return false;
  }
}
