/**
 * The files API a code-tier command is handed (ctx.fs). Every call resolves the symbolic links of every
 * component of its path (the last one and dangling links included), checks the result against the command's
 * grants, then acts on that resolved path, opening its last component without following a link: a link
 * inside a grant that leads out of it, or one planted after the check, is refused, never followed.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../kernel/errors.ts";
import { writeFileAtomic } from "../kernel/fs.ts";
import { expandPath } from "./grants.ts";
import { openNoFollow, resolveRead, resolveWrite, type Guard } from "./permissions.ts";
import type { PackFs } from "./types.ts";

export function packFs(guard: Guard, home: string): PackFs {
  // ~ and $PAI_HOME are expanded; any other path is taken as given (absolute, or relative to the working folder).
  const abs = (p: string) => (/^(~|\$\{?PAI_HOME\}?)/.test(p.trim()) ? expandPath(p, { home }) : resolve(p));
  const read = (p: string) => {
    const fd = openNoFollow(guard, resolveRead(guard, abs(p)), constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      if (!fstatSync(fd).isFile()) throw new UserError(`${guard.pack}:${guard.command}: ${p} is not a regular file`);
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  return {
    async readText(p) {
      return read(p).toString("utf8");
    },
    async readBytes(p) {
      return new Uint8Array(read(p));
    },
    async writeText(p, text) {
      const f = resolveWrite(guard, abs(p));
      writeFileAtomic(f, text); // a new file renamed into place: a link at f is replaced, never followed
      return f;
    },
    async writeBytes(p, bytes) {
      const f = resolveWrite(guard, abs(p));
      writeFileAtomic(f, bytes);
      return f;
    },
    async appendText(p, text) {
      const f = resolveWrite(guard, abs(p));
      mkdirSync(dirname(f), { recursive: true });
      const fd = openNoFollow(guard, f, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return f;
    },
    async exists(p) {
      return existsSync(resolveRead(guard, abs(p)));
    },
    async list(p) {
      const d = resolveRead(guard, abs(p));
      return existsSync(d) && statSync(d).isDirectory() ? readdirSync(d).sort() : [];
    },
    async mkdir(p) {
      const d = resolveWrite(guard, abs(p));
      mkdirSync(d, { recursive: true });
      return d;
    },
  };
}
