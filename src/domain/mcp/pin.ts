/**
 * @module Tool-definition pinning (reference §F.5, "rug pull" defence). A pin is the SHA-256 of the canonical
 * JSON of everything a model reads or a client enforces about a tool: a server that edits a description or
 * widens a schema after approval gets a new pin, and the tool is hidden until an admin approves the change.
 */
import { canonicalSha256 } from '../capabilities/canonical.ts';

/** The parts of an MCP `Tool` (2025-11-25 `tools/list` result item) that a pin covers. */
export interface PinnableTool {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/** The pinned subset of a tool definition, with absent members left out (JCS skips them anyway). */
export function pinnedDefinition(tool: PinnableTool): Record<string, unknown> {
  const definition: Record<string, unknown> = { name: tool.name, inputSchema: tool.inputSchema ?? null };
  if (tool.title !== undefined) definition.title = tool.title;
  if (tool.description !== undefined) definition.description = tool.description;
  if (tool.outputSchema !== undefined) definition.outputSchema = tool.outputSchema;
  if (tool.annotations !== undefined) definition.annotations = tool.annotations;
  return definition;
}

/** Hex SHA-256 of the canonical pinned definition: the `tool_sha256` a capability binds to. */
export function pinToolDefinition(tool: PinnableTool): string {
  return canonicalSha256(pinnedDefinition(tool));
}

export type PinStatus = 'approved' | 'quarantined';

/** What is recorded for one tool: the approved pin, and a changed definition waiting for approval. */
export interface PinRecord {
  approvedSha256: string | null;
  pendingSha256: string | null;
}

export type PinVerdict =
  | { status: 'approved'; record: PinRecord; changed: boolean }
  | { status: 'quarantined'; record: PinRecord; changed: boolean };

/**
 * Decides what a freshly listed definition means. Trust on first use (`tofu`) approves a tool never seen
 * before; `manual` quarantines it too. A definition that differs from the approved pin is always quarantined.
 * `changed` says whether the record must be written back.
 */
export function judgePin(existing: PinRecord | null, sha256: string, mode: 'tofu' | 'manual'): PinVerdict {
  if (existing === null) {
    if (mode === 'tofu')
      return { status: 'approved', record: { approvedSha256: sha256, pendingSha256: null }, changed: true };
    return { status: 'quarantined', record: { approvedSha256: null, pendingSha256: sha256 }, changed: true };
  }
  if (existing.approvedSha256 === sha256) {
    const changed = existing.pendingSha256 !== null;
    return { status: 'approved', record: { approvedSha256: sha256, pendingSha256: null }, changed };
  }
  const changed = existing.pendingSha256 !== sha256;
  return { status: 'quarantined', record: { approvedSha256: existing.approvedSha256, pendingSha256: sha256 }, changed };
}

/** The pinned subset of a prompt (2025-11-25 `prompts/list` item): what a model reads and the arguments it fills. */
export function pinnedPromptDefinition(prompt: Record<string, unknown>): Record<string, unknown> {
  return pickDefined(prompt, ['name', 'title', 'description', 'arguments']);
}

/** The pinned subset of a resource template (`resources/templates/list` item). */
export function pinnedTemplateDefinition(template: Record<string, unknown>): Record<string, unknown> {
  return pickDefined(template, ['uriTemplate', 'name', 'title', 'description', 'mimeType']);
}

function pickDefined(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** Pin keys: tools keep their bare name (existing pins stay valid); other kinds carry a prefix no tool name can. */
export function pinKey(kind: 'tool' | 'prompt' | 'resource_template', name: string): string {
  return kind === 'tool' ? name : `${kind}:${name}`;
}

export function pinKind(key: string): { kind: 'tool' | 'prompt' | 'resource_template'; name: string } {
  if (key.startsWith('prompt:')) return { kind: 'prompt', name: key.slice('prompt:'.length) };
  if (key.startsWith('resource_template:')) return { kind: 'resource_template', name: key.slice(18) };
  return { kind: 'tool', name: key };
}
