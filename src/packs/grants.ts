/**
 * Path grants: the normal form recorded at install, their expansion to absolute paths (~, $HOME, $PAI_HOME,
 * $PACK) with no climbing out of the pack or PAI_HOME, and containment checked on real paths (symbolic links
 * resolved, dangling ones followed).
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { UserError } from "../kernel/errors.ts";

const GRANT_PREFIX = /^(~|\$HOME|\$\{HOME\}|\$PAI_HOME|\$\{PAI_HOME\}|\$PACK|\$\{PACK\})(?=\/|$)/;

interface SplitGrant {
  /** "~" (also $HOME), "$PAI_HOME", "$PACK", "/" for an absolute path, "" for a relative one. */
  prefix: "~" | "$PAI_HOME" | "$PACK" | "/" | "";
  /** The segments after the prefix: no empty or "." segment, ".." applied (a leading ".." stays only for ~). */
  segments: string[];
  /** The first segments climb above the prefix's folder with "..". */
  climbs: boolean;
}

function splitGrant(written: string): SplitGrant {
  const m = GRANT_PREFIX.exec(written);
  const prefix: SplitGrant["prefix"] = m
    ? m[1]!.includes("PAI_HOME")
      ? "$PAI_HOME"
      : m[1]!.includes("PACK")
        ? "$PACK"
        : "~"
    : isAbsolute(written)
      ? "/"
      : "";
  const rest = m ? written.slice(m[0].length) : written;
  const segments: string[] = [];
  let climbs = false;
  for (const seg of rest.split(/[\\/]+/)) {
    if (seg === "" || seg === ".") continue;
    if (seg !== "..") segments.push(seg);
    else if (segments.length && segments[segments.length - 1] !== "..") segments.pop();
    else {
      climbs = true;
      if (prefix !== "/") segments.push(".."); // above / is / itself
    }
  }
  return { prefix, segments, climbs };
}

/**
 * A path grant in its normal form, as recorded at install and compared at run time: `//` and `.` segments
 * dropped, `..` applied, `${PACK}` written `$PACK`, a trailing `/` dropped. A `..` that climbs out of `$PACK` or
 * `$PAI_HOME` is refused (see expandPath); a {{config.KEY}} entry is kept as written.
 */
export function normalizeGrant(entry: string): string {
  const written = entry.trim();
  if (/^\{\{.*\}\}$/.test(written)) return written;
  const g = splitGrant(written);
  if (g.climbs && (g.prefix === "$PACK" || g.prefix === "$PAI_HOME" || g.prefix === "")) return written; // refused when expanded
  const tail = g.segments.join("/");
  if (g.prefix === "/") return `/${tail}`;
  if (g.prefix === "") return tail || ".";
  return tail ? `${g.prefix}/${tail}` : g.prefix;
}

/**
 * A path entry made absolute. `~` (or `$HOME`), `$PAI_HOME` and `$PACK` are expanded; `//`, `.` and `..` are
 * applied. A path written relative to the pack or to PAI_HOME may not climb above it with `..` at any point
 * (`$PACK/../../.ssh`, `$PAI_HOME/..`): a grant outside them must be written as an absolute or `~` path, so
 * that what the user consents to is what the manifest says.
 */
export function expandPath(p: string, ctx: { home: string; packDir?: string }): string {
  const written = p.trim();
  const g = splitGrant(written);
  let base: string;
  if (g.prefix === "~") base = process.env.HOME || homedir();
  else if (g.prefix === "$PAI_HOME") base = resolve(ctx.home);
  else if (g.prefix === "$PACK") {
    if (!ctx.packDir) throw new UserError(`the path '${written}' names $PACK, which means nothing here`, { hint: "give an absolute or ~ path" });
    base = resolve(ctx.packDir);
  } else if (g.prefix === "/") return resolve("/", ...g.segments);
  else {
    if (written.startsWith("$")) {
      throw new UserError(`the path '${written}' starts with a variable pai does not expand`, { hint: "use ~, $HOME, $PAI_HOME or $PACK followed by /, or an absolute path" });
    }
    if (g.climbs || written.split(/[\\/]/).includes("..")) {
      throw new UserError(`the path grant '${written}' climbs with '..'`, { hint: "write a path outside the pack's folder as an absolute or ~ path" });
    }
    return resolve(written);
  }
  const full = resolve(base, ...g.segments);
  if (g.climbs && g.prefix !== "~") {
    throw new UserError(`the path grant '${written}' climbs out of ${base} to ${full}`, {
      hint: "a pack may name a path outside its own folder or PAI_HOME only as an absolute or ~ path",
    });
  }
  return full;
}

/**
 * The real path of p: symbolic links are resolved in every component, the last one included, and a dangling
 * link is followed to where it points (so writing through it cannot land outside a grant); a part that does
 * not exist yet is kept as written below its nearest existing ancestor.
 */
export function realish(p: string, depth = 0): string {
  let cur = resolve(p);
  const rest: string[] = [];
  let st: ReturnType<typeof lstatSync> | undefined;
  for (;;) {
    try {
      st = lstatSync(cur);
      break;
    } catch {
      const parent = dirname(cur);
      if (parent === cur) break;
      rest.unshift(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      cur = parent;
    }
  }
  let real = cur;
  try {
    real = realpathSync(cur);
  } catch {
    if (st?.isSymbolicLink()) {
      // A dangling link: where it would lead once something is created there.
      if (depth > 40) throw new UserError(`${p}: too many levels of symbolic links`);
      real = realish(resolve(dirname(cur), readlinkSync(cur)), depth + 1);
    }
  }
  return rest.length ? join(real, ...rest) : real;
}

export function pathWithin(p: string, grants: string[]): boolean {
  const target = realish(p);
  return grants.some((g) => {
    const root = realish(g);
    return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

