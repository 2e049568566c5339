import type { JsonObject } from '../types.ts';

/** What every translation needs to know about the call it serves. */
export interface TranslateContext {
  requestId: string;
  /** The name the client asked for; translated responses report it, as the client expects. */
  publicModel: string;
  upstreamModel: string;
  /** Wall clock in ms, injected so translation stays pure. */
  now: () => number;
  /** When the call started (ms), for Ollama's `*_duration` fields. */
  startedAt: number;
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Concatenates the text parts of an OpenAI content value (string or array of parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of asArray(content)) {
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string')
      text += text ? `\n${part.text}` : part.text;
  }
  return text;
}

/** Ollama finish reasons are `stop`, `length`, `load`, `unload`; only `length` means something else to OpenAI. */
export function toOpenAIFinishReason(doneReason: unknown, hasToolCalls: boolean): string {
  if (hasToolCalls) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

export function toOllamaDoneReason(finishReason: unknown): string {
  return finishReason === 'length' ? 'length' : 'stop';
}

export function parseArguments(text: unknown): JsonObject {
  if (isObject(text)) return text;
  if (typeof text !== 'string' || text.length === 0) return {};
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** Base64 image data (Ollama) → data URL (OpenAI), recognising the format by its magic bytes. */
export function imageDataUrl(base64: string): string {
  if (base64.startsWith('data:')) return base64;
  let mime = 'image/png';
  if (base64.startsWith('/9j/')) mime = 'image/jpeg';
  else if (base64.startsWith('R0lGOD')) mime = 'image/gif';
  else if (base64.startsWith('UklGR')) mime = 'image/webp';
  return `data:${mime};base64,${base64}`;
}

/**
 * OpenAI's base64 `encoding_format` is the raw little-endian float32 array (what the openai SDK decodes).
 * Node runs on little-endian hosts only (x64, arm64), so Float32Array's native order is the right one.
 */
export function encodeEmbeddingBase64(vector: readonly number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString('base64');
}

export function decodeEmbeddingBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const length = Math.floor(bytes.byteLength / 4) * 4;
  // slice() copies into a fresh ArrayBuffer: Buffer's pooled byteOffset need not be 4-aligned.
  return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + length)));
}

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function nanosSince(startedAt: number, now: number): number {
  return Math.max(0, Math.round((now - startedAt) * 1e6));
}
