import { asArray, isObject } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';

/**
 * Responses API tools on a chat upstream. Function tools map one to one; the function tools inside a `namespace`
 * tool (Codex groups its sub-agent tools so) become chat functions named `<namespace>__<name>`, and a call to one
 * comes back as a `function_call` with its `namespace`. Hosted tools (`web_search`, `file_search`, ...) and
 * grammar-defined `custom` tools have no chat equivalent: they are not offered to a translated upstream, so the
 * model answers as a model without them; a request that forces one through `tool_choice` is refused instead.
 */

const SEPARATOR = '__';

export interface ToolName {
  name: string;
  namespace: string | null;
}

function toChatFunction(tool: JsonObject, name: string): JsonObject {
  const fn: JsonObject = { name };
  if (typeof tool.description === 'string') fn.description = tool.description;
  if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters;
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

export function chatToolName(name: unknown, namespace: unknown): string {
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}${SEPARATOR}${String(name)}` : String(name);
}

/** The chat `tools` for a request's function and namespace tools; empty when it has none. */
export function toChatTools(body: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const tool of asArray(body.tools)) {
    if (!isObject(tool)) continue;
    if (tool.type === 'function') out.push(toChatFunction(tool, String(tool.name)));
    if (tool.type !== 'namespace') continue;
    for (const inner of asArray(tool.tools)) {
      if (isObject(inner) && inner.type === 'function')
        out.push(toChatFunction(inner, chatToolName(inner.name, tool.name)));
    }
  }
  return out;
}

/** Chat function name → the Responses tool it stands for (only namespaced ones differ). */
export function toolNamesOf(body: JsonObject): Map<string, ToolName> {
  const names = new Map<string, ToolName>();
  for (const tool of asArray(body.tools)) {
    if (!isObject(tool) || tool.type !== 'namespace' || typeof tool.name !== 'string') continue;
    for (const inner of asArray(tool.tools)) {
      if (isObject(inner) && typeof inner.name === 'string') {
        names.set(chatToolName(inner.name, tool.name), { name: inner.name, namespace: tool.name });
      }
    }
  }
  return names;
}

export function toChatToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  if (isObject(choice) && choice.type === 'function') {
    return { type: 'function', function: { name: chatToolName(choice.name, choice.namespace) } };
  }
  return undefined;
}

/** A `tool_choice` that forces a tool chat cannot offer; null when chat can honour the choice. */
export function forcedHostedTool(body: JsonObject): string | null {
  const choice = body.tool_choice;
  if (!isObject(choice) || choice.type === 'function' || choice.type === 'allowed_tools') return null;
  return `tool_choice of type ${String(choice.type)}`;
}
