/**
 * Builds the launcher's bundle: src/cli/main.ts and everything it loads, as JavaScript modules in dist/pai/, one
 * chunk per lazily loaded command (so a command still loads only its own code). Bun then starts a command
 * without transpiling and resolving some sixty TypeScript files: about a fifth of a one-shot command's time.
 *
 * Two builds: the entry, src/cli/main.ts as dist/pai/entry.js, is one file with no import (the version, the client of
 * a running daemon and the top-level help inside it), because a process's first module loaded after the entry costs
 * about 4 ms as an ES module, more than all that file holds; it is CommonJS with its bytecode beside it, so Bun
 * neither parses nor compiles its functions, and dist/pai/main.js, which bin/pai runs, is a line that awaits it (see
 * MAIN). program.ts, which it loads for anything else, is built apart with its chunks. Then each read-only command a
 * daemon answers gets a file of its own with its bytecode (readOnlyBuild below).
 *
 *   bun scripts/build.ts [--out NAME] [--soft]
 *
 * `npm install` runs it (package.json's "prepare", with --soft: a failed build is reported and the install goes
 * on); NAME is the folder under dist/ (default pai).
 *
 * bin/pai runs the bundle; its entry hands over to src/cli/main.ts when a file under src/ (or package.json) is newer
 * than the build, so an edit is never shadowed by an old build. dist/pai/ is two folders below the install, like
 * src/<concern>/, so paths found from a module's own location (system/, node_modules/) stay the same.
 */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { READ_ONLY } from "../src/cli/resident.ts";

const ROOT = resolve(import.meta.dirname, "..");
const outArg = process.argv.indexOf("--out");
const NAME = outArg >= 0 ? process.argv[outArg + 1] : "pai";
if (!NAME || !/^[\w.-]+$/.test(NAME)) {
  console.error("pai: --out takes a folder name under dist/ (letters, digits, . _ -)");
  process.exit(2);
}
const OUT = join(ROOT, "dist", NAME);

// Ink loads React's devtools only when DEV=true; the package is not installed, and the bundle needs no stand-in.
const noDevtools: import("bun").BunPlugin = {
  name: "no-react-devtools",
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "absent" }));
    build.onLoad({ filter: /.*/, namespace: "absent" }, () => ({ contents: "export default undefined;", loader: "js" }));
  },
};

// commander requires node:child_process at load, for sub-commands that are programs of their own, which pai
// never has; loading it costs every command about 2 ms. It is required on the first spawn instead.
const lazyChildProcess: import("bun").BunPlugin = {
  name: "commander-lazy-child-process",
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await Bun.file(args.path).text();
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) return { contents: text, loader: "js" };
      return { contents: text.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: "js" };
    });
  },
};

// main.ts loads program.ts lazily; in the entry's build it is the other build's output, next to it.
const APART = ["program"];
const apart: import("bun").BunPlugin = {
  name: "program-apart",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^\\./(${APART.join("|")})\\.ts$`) }, (args) => ({ path: args.path.replace(/\.ts$/, ".js"), external: true }));
  },
};

/**
 * The read-only commands a daemon answers (memory search, status, …) are run most, so each is also built as one
 * file of its own, dist/NAME/ro.<command>[.<verb>].js, with the command and that verb alone (the other commands
 * and verbs are never loaded to run it), as CommonJS with Bun's bytecode beside it (.jsc: Bun neither parses nor
 * compiles it at start): about 10 ms less than the same code as ES modules, which Bun loads only as source. Such a
 * file holds no package but commander; the others, reached only on a rarer path (zod for an unusual config, a
 * model's client for embeddings), are loaded from node_modules there.
 */
const readOnlyBuild = (name: string, cmd: string, verb: string | undefined): import("bun").BunPlugin => ({
  name: "read-only-command",
  setup(build) {
    const registry = join(ROOT, "src", "cli", "registry.ts");
    const group = join(ROOT, "src", "cli", "commands", cmd, "index.ts");
    const wanted = [join(ROOT, "src", "cli", "commands", `${cmd}.ts`), group, ...(verb ? [join(ROOT, "src", "cli", "commands", cmd, `${verb}.ts`)] : [])];
    // Another command or verb: a module that fails, never loaded (main.ts runs this file only for this command,
    // without help, which would load every verb).
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== "dynamic-import" || (args.importer !== registry && args.importer !== group)) return undefined;
      const path = resolve(dirname(args.importer), args.path);
      return wanted.includes(path) ? undefined : { path, namespace: "not-in-build" };
    });
    build.onLoad({ filter: /.*/, namespace: "not-in-build" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${relative(ROOT, args.path)} is not in the build of \`pai ${name.replace(".", " ")}\` (run with PAI_FROM_SOURCE=1)`)});`,
      loader: "js",
    }));
    build.onResolve({ filter: /^[^./#]/ }, (args) => (args.path === "commander" || args.path.startsWith("node:") ? undefined : { path: args.path, external: true }));
    // import.meta.url is the module's own file as ES modules; in CommonJS Bun would write the source's path into
    // the file, so it is this file's (two folders below the install, like src/<concern>/<module>.ts), made by Bun's
    // own function (node:url costs 1.5 ms to load).
    build.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (!args.path.startsWith(join(ROOT, "src") + sep)) return undefined;
      const text = (await Bun.file(args.path).text()).replaceAll("import.meta.url", "Bun.pathToFileURL(__filename).href");
      if (/\bimport\.meta\b/.test(text)) throw new Error(`${relative(ROOT, args.path)}: only import.meta.url can be used in a command the daemon answers`);
      return { contents: text, loader: args.path.endsWith("x") ? "tsx" : "ts" };
    });
  },
});

rmSync(OUT, { recursive: true, force: true });
const common = {
  outdir: OUT,
  target: "bun",
  format: "esm",
  // Names are kept, so a stack trace (PAI_DEBUG=1) still reads.
  minify: { whitespace: true, syntax: true, identifiers: false },
  // A stack trace (PAI_DEBUG=1) names the source files and lines, not the chunks.
  sourcemap: "linked",
  // Loaded at run time from node_modules: the Node driver (never under Bun) and the vector extension's binary.
  external: ["better-sqlite3", "sqlite-vec"],
  // A failure is returned with its logs (success false), not thrown: it is reported below, and --soft goes on.
  throw: false,
  // The entry knows it runs as a build, and the files it checks are not newer than the build.
  define: {
    "process.env.PAI_BUILD": JSON.stringify("bundle"),
    "process.env.PAI_BUILD_SOURCES": JSON.stringify(JSON.stringify((readdirSync(join(ROOT, "src"), { recursive: true }) as string[]).filter((f) => /\.(ts|tsx|js|css)$/.test(f)).sort())),
  },
} satisfies Partial<import("bun").BuildConfig>;
const program = await Bun.build({ ...common, entrypoints: APART.map((f) => join(ROOT, "src", "cli", `${f}.ts`)), splitting: true, plugins: [noDevtools, lazyChildProcess] });
// The second thread of a large import: src/memory/io/prepare-thread.ts starts it from the chunk that holds it, as
// prepare-worker.js beside that chunk.
const worker = program.success
  ? await Bun.build({ ...common, entrypoints: [join(ROOT, "src", "memory", "io", "prepare-worker.ts")], naming: "prepare-worker.js", splitting: false })
  : undefined;
// The entry answers `pai --version` and `pai --help` alone: it checks only the files it is built from, which a first
// build (in memory) lists in its source map. It is CommonJS with its bytecode beside it, like the read-only commands'
// files: every command starts in it, and Bun then neither parses nor compiles its functions.
const entryConfig = {
  ...common,
  entrypoints: [join(ROOT, "src", "cli", "main.ts")],
  naming: "entry.js",
  splitting: false,
  plugins: [apart],
  format: "cjs" as const,
  bytecode: true,
};
/**
 * What bin/pai runs: an ES module whose top-level await holds its evaluation open while the entry runs. A process
 * whose main module has finished evaluating takes about 2 ms longer to open its first socket (the daemon's), and
 * CommonJS has no top-level await.
 */
const MAIN = `#!/usr/bin/env bun\n// @bun\n// Built by scripts/build.ts: runs entry.js (src/cli/main.ts).\nprocess.exitCode = await import.meta.require("./entry.js").start();\n`;
const probe = program.success ? await Bun.build({ ...entryConfig, outdir: undefined, sourcemap: "external" }) : undefined;
const map = probe?.success ? probe.outputs.find((o) => o.kind === "sourcemap") : undefined;
// Its sources are named from the working folder; package.json (the version) is not among them.
const own = map && ["package.json", ...(JSON.parse(await map.text()) as { sources: string[] }).sources.map((s) => relative(ROOT, resolve(s)))];
const entry = own
  ? await Bun.build({ ...entryConfig, define: { ...common.define, "process.env.PAI_ENTRY_SOURCES": JSON.stringify(JSON.stringify(own)) } })
  : undefined;
const readOnly: import("bun").BuildOutput[] = [];
if (entry?.success) {
  for (const [cmd, verbs] of Object.entries(READ_ONLY)) {
    for (const verb of verbs ?? [undefined]) {
      const name = verb ? `${cmd}.${verb}` : cmd;
      const built = await Bun.build({
        ...common,
        entrypoints: [join(ROOT, "src", "cli", "program.ts")],
        naming: `ro.${name}.js`,
        format: "cjs",
        bytecode: true,
        splitting: false,
        external: [],
        plugins: [lazyChildProcess, readOnlyBuild(name, cmd, verb)],
      });
      readOnly.push(built);
      if (!built.success) break;
    }
  }
}
// The logs of the step that failed, or of the last one (a failed program build makes no entry).
const logs: unknown[] = [...program.logs, ...(worker?.logs ?? []), ...(entry?.logs ?? probe?.logs ?? []), ...readOnly.flatMap((b) => b.logs)];
if (probe?.success && !map) logs.push("the entry's source map was not made: the files it is built from are unknown");
const result = {
  success: !!entry?.success && !!worker?.success && readOnly.every((b) => b.success),
  logs,
  outputs: [...program.outputs, ...(worker?.outputs ?? []), ...(entry?.outputs ?? []), ...readOnly.flatMap((b) => b.outputs)],
};
if (!result.success) {
  for (const log of result.logs) console.error(log);
  rmSync(OUT, { recursive: true, force: true });
  console.error("pai: the bundle was not built — bin/pai runs src/cli/main.ts instead (slower to start, same behaviour)");
  // --soft (npm install): the install works without the bundle, so a failed build does not fail it.
  process.exit(process.argv.includes("--soft") ? 0 : 1);
}
writeFileSync(join(OUT, "main.js"), MAIN, { mode: 0o755 });
writeFileSync(join(OUT, "README"), "Built by scripts/build.ts from src/ (npm install runs it). Do not edit: bin/pai ignores it once src/ is newer.\n");
console.log(`pai: bundle built in dist/${NAME}/ (${result.outputs.length} files)`);
