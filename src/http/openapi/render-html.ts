/**
 * @module The `/docs` reference page: the OpenAPI document rendered to one self-contained HTML page, server-side,
 * with inline CSS and no script or external asset (it must work air-gapped and under a strict CSP).
 */

type JsonObject = Record<string, unknown>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Markdown-ish inline code (`x`) in descriptions, after escaping. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function anchorOf(operationId: string): string {
  return `op-${operationId.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{padding:1.5rem 2rem;background:#1b1f24;color:#fff}header h1{margin:0 0 .25rem}
main{display:grid;grid-template-columns:18rem minmax(0,1fr);gap:2rem;padding:1.5rem 2rem}
nav{position:sticky;top:1rem;align-self:start;max-height:95vh;overflow:auto;font-size:13px}
nav a{display:block;color:#0b5cad;text-decoration:none;padding:1px 0}nav h3{margin:1rem 0 .25rem}
section.op{border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:0 0 1rem;min-width:0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#1a7f37}.post{color:#0b5cad}.put,.patch{color:#9a6700}.delete{color:#cf222e}
code,pre{font:13px ui-monospace,monospace;background:#f6f8fa;border-radius:4px}code{padding:0 3px}
pre{padding:.75rem;overflow:auto;max-height:24rem}table{border-collapse:collapse;display:block;overflow-x:auto;max-width:100%}
td code{word-break:break-all}header code{background:#2d333b;color:#f0f3f6}header a{color:#9cd}
td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;font-size:13px}
@media (max-width:800px){main{grid-template-columns:1fr}nav{position:static;max-height:none}}
`;

interface Operation {
  method: string;
  path: string;
  op: JsonObject;
}

function operationsOf(document: JsonObject): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, JsonObject>>)) {
    for (const [method, op] of Object.entries(item)) operations.push({ method, path, op });
  }
  return operations;
}

function renderParameters(parameters: JsonObject[] | undefined): string {
  if (!parameters || parameters.length === 0) return '';
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td>` +
        `<td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr>${rows}</table>`;
}

function renderOperation({ method, path, op }: Operation): string {
  const security = (op.security as Array<Record<string, unknown>>).map((s) => Object.keys(s)[0]).join(', ') || 'none';
  const permissions = (op['x-gatehouse-permissions'] as string[]).map((p) => `<code>${escapeHtml(p)}</code>`);
  const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
    'application/json'
  ]?.schema;
  return [
    `<section class="op" id="${anchorOf(String(op.operationId))}">`,
    `<div><span class="m ${method}">${method}</span> <code>${escapeHtml(path)}</code></div>`,
    `<p>${inline(String(op.summary ?? ''))}</p>`,
    `<p>Surface <code>${escapeHtml(String(op['x-gatehouse-surface']))}</code> · auth: ${escapeHtml(security)}`,
    ` · permissions: ${permissions.join(', ') || 'none'} · scope: <code>${escapeHtml(String(op['x-gatehouse-scope']))}</code></p>`,
    renderParameters(op.parameters as JsonObject[] | undefined),
    body === undefined ? '' : `<h4>Request body</h4><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>`,
    '</section>',
  ].join('');
}

export function renderDocsHtml(document: JsonObject): string {
  const info = document.info as { title: string; version: string; description?: string };
  const operations = operationsOf(document);
  const byTag = new Map<string, Operation[]>();
  for (const operation of operations) {
    const tag = (operation.op.tags as string[])[0] ?? 'other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), operation]);
  }
  const nav = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h3>${escapeHtml(tag)}</h3>` +
        ops
          .map(
            ({ method, path, op }) =>
              `<a href="#${anchorOf(String(op.operationId))}">${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</a>`,
          )
          .join(''),
    )
    .join('');
  const sections = [...byTag]
    .map(([tag, ops]) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.map(renderOperation).join('')}`)
    .join('');
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(info.title)} API reference</title><style>${STYLE}</style></head><body>`,
    `<header><h1>${escapeHtml(info.title)} API reference</h1><div>Version ${escapeHtml(info.version)} · `,
    `${operations.length} operations · machine-readable: <a style="color:#9cd" href="/openapi.json">/openapi.json</a></div>`,
    `<p>${inline(info.description ?? '')}</p></header>`,
    `<main><nav>${nav}</nav><div>${sections}</div></main></body></html>`,
  ].join('');
}
