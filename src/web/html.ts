/** The dashboard's pages: one layout, text always escaped, data for the page's script as inert JSON. */

/** Text made safe inside HTML (element content and quoted attributes). */
export function esc(s: unknown): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON for a `<script type="application/json">` block: never closes the element, never runs. */
export function jsonBlock(id: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
  return `<script type="application/json" id="${esc(id)}">${json}</script>`;
}

const NAV: [path: string, label: string][] = [
  ["/", "Overview"],
  ["/telos", "Telos"],
  ["/memory", "Memory"],
  ["/daemon", "Daemon"],
  ["/models", "Models"],
];

/** A whole page: the nav, the body, the CSRF token for the page's script, and the scripts it needs. */
export function page(opts: { title: string; path: string; body: string; csrf: string; scripts?: string[] }): string {
  const nav = NAV.map(([p, label]) => `<a href="${p}"${p === opts.path || (p !== "/" && opts.path.startsWith(p)) ? ' aria-current="page"' : ""}>${label}</a>`).join("");
  const scripts = [...(opts.scripts ?? []), "/static/app.js"].map((s) => `<script src="${esc(s)}" defer></script>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${esc(opts.csrf)}">
<title>${esc(opts.title)} · pai</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="data:,">
${scripts}
</head>
<body>
<header><span class="brand">pai</span><nav>${nav}</nav></header>
<main>
<h1>${esc(opts.title)}</h1>
${opts.body}
</main>
</body>
</html>
`;
}

/** A table from rows of cells already escaped (or made with esc). */
export function table(head: string[], rows: string[][], cls = ""): string {
  if (!rows.length) return "";
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** A local time for a stored ISO instant, as the browser's zone shows it (filled in by app.js), ISO meanwhile. */
export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  return `<time datetime="${esc(iso)}">${esc(iso.replace("T", " ").slice(0, 16))}Z</time>`;
}

/** The page a signed-out browser gets: it exchanges the token of the URL's fragment for a session, if there is one. */
export function signIn(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pai</title><link rel="stylesheet" href="/static/style.css"><link rel="icon" href="data:,">
<script src="/static/signin.js" defer></script></head>
<body><main><h1>pai</h1><p id="signin">Open the address <code>pai serve</code> printed (it carries a one-time key), or start it again.</p></main></body></html>
`;
}
