import { isObject } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';

export interface MessagesFault {
  detail: string;
  param: string;
}

function blocksOf(message: JsonObject): unknown[] {
  return Array.isArray(message.content) ? message.content : [];
}

/**
 * The one cross-message rule of the Messages API the gateway enforces itself: a `tool_result` block answers a
 * `tool_use` block of the assistant turn right before it (Messages API, "Tool use"). A translated upstream
 * would otherwise receive a tool message with no call to attach it to, and an Anthropic one refuses it after
 * admission; refusing here costs the caller nothing. Null when the history is consistent.
 */
export function invalidToolResult(body: JsonObject): MessagesFault | null {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  let offered = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message)) continue;
    const blocks = blocksOf(message);
    if (message.role === 'assistant') {
      offered = new Set();
      for (const block of blocks) {
        if (isObject(block) && block.type === 'tool_use' && typeof block.id === 'string') offered.add(block.id);
      }
      continue;
    }
    for (let j = 0; j < blocks.length; j++) {
      const block = blocks[j];
      if (!isObject(block) || block.type !== 'tool_result') continue;
      const id = block.tool_use_id;
      if (typeof id !== 'string' || !offered.has(id)) {
        return {
          detail: `the tool_result ${typeof id === 'string' ? `for ${JSON.stringify(id.slice(0, 128))} ` : ''}answers no tool_use block of the assistant message before it`,
          param: `messages.${i}.content.${j}.tool_use_id`,
        };
      }
    }
    offered = new Set();
  }
  return null;
}
