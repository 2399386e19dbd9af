/**
 * A real browser for the dashboard's tests: Debian's Chromium, headless, driven by puppeteer-core; and the real
 * `pai serve`, spawned in a temporary PAI_HOME, its address read from its stdout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { ROOT } from "./cli.ts";

export const CHROMIUM = process.env.PAI_CHROMIUM ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where the tests leave their screenshots (git-ignored). */
export const OUTPUT = join(ROOT, "tests", "output");

const BUN = existsSync(join(ROOT, "node_modules/bun/bin/bun.exe")) ? join(ROOT, "node_modules/bun/bin/bun.exe") : process.execPath;

export async function launchBrowser(): Promise<Browser> {
  const { default: puppeteer } = await import("puppeteer-core");
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(root ? ["--no-sandbox"] : []), "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage"],
    defaultViewport: { width: 1280, height: 800 },
  });
}

export interface Served {
  url: string;
  origin: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `pai serve ARGS…` on `home`; resolves with the address it printed. */
export function startServe(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(BUN, [join(ROOT, "src/cli/main.ts"), "serve", ...args], {
    cwd: ROOT,
    env: { ...process.env, PAI_HOME: home, PAI_NO_RESIDENT: "1", NO_COLOR: "1", PAI_DEBUG: "", OLLAMA_HOST: "http://127.0.0.1:9", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`pai serve printed no address in 15 s: ${err}`));
    }, 15_000);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^(http:\/\/127\.0\.0\.1:(\d+))\/#token=[0-9a-f]{64}$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ url: m[0], origin: m[1]!, port: Number(m[2]), child, stop });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pai serve exited (${code}): ${err}`));
    });
  });
}

/** What went wrong on a page while it was watched: console errors, failed requests, answers of 400 and up. */
export interface Troubles {
  list: string[];
  clear(): void;
}

export function watch(page: Page): Troubles {
  const list: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") list.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => list.push(`page error: ${(e as Error).message}`));
  page.on("requestfailed", (r) => list.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) list.push(`${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { list, clear: () => void list.splice(0) };
}

/** Opens the printed address and waits until the sign-in has led to a signed-in page (one with a CSRF token). */
export async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(`!!document.querySelector('meta[name="csrf-token"]') && document.readyState === "complete"`, { timeout: 10_000 });
}

/** Goes to a path of the dashboard and waits for its load event. */
export async function open(page: Page, origin: string, path: string): Promise<void> {
  const res = await page.goto(`${origin}${path}`, { waitUntil: "load" });
  if (!res || res.status() !== 200) throw new Error(`${path}: ${res?.status()}`);
}

/**
 * Whether a PNG shows something: decoded in the page by an <img> drawn onto a canvas, the number of distinct
 * colours (sampled on a grid) and the spread of brightness.
 */
export async function pictureStats(page: Page, png: Uint8Array): Promise<{ colours: number; stddev: number }> {
  const b64 = Buffer.from(png).toString("base64");
  // A blank page of our own, so the dashboard's CSP (img-src 'self' data:) is not in the way.
  const scratch = await page.browser().newPage();
  try {
    // The project's types know no DOM (the code runs under Bun): the page's globals are reached untyped.
    return await scratch.evaluate(async (data: string) => {
      const w = globalThis as any;
      const img = new w.Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const c = w.document.createElement("canvas");
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      const lum: number[] = [];
      for (let y = 0; y < c.height; y += 4) {
        for (let x = 0; x < c.width; x += 4) {
          const i = (y * c.width + x) * 4;
          colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
          lum.push(0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!);
        }
      }
      const mean = lum.reduce((a, b) => a + b, 0) / lum.length;
      const stddev = Math.sqrt(lum.reduce((a, b) => a + (b - mean) ** 2, 0) / lum.length);
      return { colours: colours.size, stddev };
    }, b64);
  } finally {
    await scratch.close();
  }
}

export function outputDir(): string {
  mkdirSync(OUTPUT, { recursive: true });
  return OUTPUT;
}
