/** The Telos as a graph: mission → goals → projects, with beliefs, strategies, challenges…, and their links. */
import { TELOS_PREFIXES, loadTelos, type TelosItem } from "../../telos/index.ts";
import { html, json, type WebContext } from "../context.ts";
import { esc, jsonBlock, page } from "../html.ts";

/** The row each file's items sit in, top to bottom. */
const LEVEL: Record<string, number> = { mission: 0, goals: 1, projects: 2, strategies: 2, challenges: 3, beliefs: 3, models: 3, narratives: 4, learned: 4, ideas: 4, preferences: 5 };

export interface TelosGraph {
  nodes: { id: string; label: string; file: string; line: number; kind: string; level: number; active: boolean; text: string; problems: string[]; visibility: string }[];
  edges: { id: string; source: string; target: string; rel: string }[];
  problems: { file: string; line: number; message: string; severity: string }[];
}

export function telosGraph(ctx: WebContext): TelosGraph {
  const telos = loadTelos(ctx.home.paths);
  const kindOf = (item: TelosItem) => telos.docs.find((d) => d.items.includes(item))?.name ?? "other";
  const problemsAt = (item: TelosItem) => telos.problems.filter((pr) => pr.file === item.file && pr.line === item.line).map((pr) => pr.message);
  const nodes = [...telos.items.values()].map((item) => {
    const kind = kindOf(item);
    return {
      id: item.id,
      label: `${item.id} ${item.text.length > 48 ? `${item.text.slice(0, 47)}…` : item.text}`,
      file: item.file,
      line: item.line,
      kind,
      level: LEVEL[kind] ?? 5,
      active: item.active,
      text: item.text,
      problems: problemsAt(item),
      visibility: item.visibility,
    };
  });
  const edges = [...telos.items.values()].flatMap((item) =>
    item.links.flatMap((link) => link.ids.filter((t) => telos.items.has(t)).map((target) => ({ id: `${item.id}-${link.rel}-${target}`, source: item.id, target, rel: link.rel }))),
  );
  return { nodes, edges, problems: telos.problems };
}

export function telosPage(ctx: WebContext): Response {
  const g = telosGraph(ctx);
  const legend = Object.entries(TELOS_PREFIXES)
    .map(([file, prefix]) => `<span class="legend ${esc(file)}">${esc(prefix)} ${esc(file)}</span>`)
    .join(" ");
  const problems = g.problems.length
    ? `<section class="problems"><h2>${g.problems.length} problem(s) from <code>pai telos check</code></h2><ul>${g.problems.map((p) => `<li class="${esc(p.severity)}">${esc(p.file)}:${p.line}: ${esc(p.message)}</li>`).join("")}</ul></section>`
    : "";
  const body = `<p class="legend-row">${legend} · <span class="edge supports">supports</span> <span class="edge blocks">blocks</span> · dimmed: inactive · red: a problem</p>
<div class="graph-wrap"><div id="graph" role="img" aria-label="Telos graph"></div><aside id="detail" aria-live="polite"><p>Click an item to see its text, file and line.</p></aside></div>
${problems}${jsonBlock("telos-graph", g)}`;
  return html(page({ title: "Telos", path: "/telos", csrf: ctx.session.csrf, body, scripts: ["/vendor/cytoscape.js"] }));
}

export function telosApi(ctx: WebContext): Response {
  return json(telosGraph(ctx));
}
