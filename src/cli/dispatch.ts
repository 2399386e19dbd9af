/** Routing a request from the command line (`pai do`, and `pai ask` when a pack matches): Ctrl-C, streaming, output. */
import type { Home } from "../app/home.ts";
import type { RouteOptions } from "../conversation/route.ts";
import type { DispatchResult } from "../packs/index.ts";
import { withInterrupt } from "../kernel/interrupt.ts";
import { print, writeFd, writeStream } from "./output.ts";

/** Routes with Ctrl-C wired to abort, streaming text to stdout when `stream` is set. */
export async function dispatchFromCli(
  home: Home,
  request: string,
  opts: Omit<RouteOptions, "signal" | "onText" | "paths" | "config" | "db"> & { stream: boolean },
): Promise<{ result: DispatchResult; streamed: boolean }> {
  const { route } = await import("../conversation/route.ts");
  const { stream, ...options } = opts;
  let streamed = false;
  const result = await withInterrupt((signal) =>
    route(request, {
      ...options,
      paths: home.paths,
      config: home.config,
      db: home.db,
      signal,
      onText: stream ? (t) => ((streamed = true), writeStream(t)) : undefined,
    }),
  );
  return { result, streamed };
}

/** Human output of a dispatch that ran: the failure as an error, else the end of the stream or the output. */
export function printDispatched(r: DispatchResult, streamed: boolean): void {
  if (r.result && !r.result.ok) throw r.result.error;
  if (streamed) writeFd(1, "\n");
  else if (r.output) print(r.output);
}
