/** Running a request through the packs from the command line (`pai do`, and `pai ask` when a pack matches). */
import type { DispatchOptions, DispatchResult } from "../packs/index.ts";
import { print, writeStream } from "./output.ts";

/** Dispatches with Ctrl-C wired to abort, streaming text to stdout when `stream` is set. */
export async function dispatchFromCli(
  request: string,
  opts: Omit<DispatchOptions, "signal" | "onText"> & { stream: boolean },
): Promise<{ result: DispatchResult; streamed: boolean }> {
  const { dispatch } = await import("../packs/index.ts");
  const { stream, ...options } = opts;
  const ctrl = new AbortController();
  const onSigint = () => ctrl.abort();
  process.once("SIGINT", onSigint);
  let streamed = false;
  try {
    const result = await dispatch(request, {
      ...options,
      signal: ctrl.signal,
      onText: stream ? (t) => ((streamed = true), writeStream(t)) : undefined,
    });
    return { result, streamed };
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

/** Human output of a dispatch that ran: the failure as an error, else the end of the stream or the output. */
export function printDispatched(r: DispatchResult, streamed: boolean): void {
  if (r.result && !r.result.ok) throw r.result.error;
  if (streamed) process.stdout.write("\n");
  else if (r.output) print(r.output);
}
