/** Starts a node:http server on 127.0.0.1 (a free port) and returns its URL and a close() that ends it. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export async function listenLoopback(server: Server): Promise<{ url: string; port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
