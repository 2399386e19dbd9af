/** Free loopback ports for the real services the tests start (Syncthing, dovecot). */
import { createServer } from "node:net";

/** Ports handed out in this process: a port is closed again before it is used, so the system may offer it twice. */
const handedOut = new Set<number>();

/** A free loopback port, never one handed out before in this process (a node's GUI and its listener must differ). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const addr = s.address();
        const port = typeof addr === "object" && addr ? addr.port : 0;
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
