import { hash32 } from '../target-order.ts';
import type { JsonObject } from '../types.ts';
import { asArray, isObject, optionalString, toUnixSeconds } from './shared.ts';

/** A model as an upstream lists it, in either dialect. */
export interface ListedModel {
  id: string;
  created?: number;
  owned_by?: string;
  /** Ollama `details` (family, parameter_size, quantization_level), when the upstream gave them. */
  details?: JsonObject;
  size?: number;
  modified_at?: string;
}

/** Reads `GET /v1/models` (`{data: [{id, created, owned_by}]}`). */
export function readOpenAIModelList(body: unknown): ListedModel[] {
  if (!isObject(body)) return [];
  return asArray(body.data)
    .filter(isObject)
    .filter((item) => typeof item.id === 'string')
    .map((item) => ({
      id: item.id as string,
      created: typeof item.created === 'number' ? item.created : undefined,
      owned_by: optionalString(item.owned_by),
    }));
}

/** Reads `GET /api/tags` (`{models: [{name, model, size, modified_at, details}]}`). */
export function readOllamaTags(body: unknown): ListedModel[] {
  if (!isObject(body)) return [];
  return asArray(body.models)
    .filter(isObject)
    .filter((item) => typeof item.name === 'string' || typeof item.model === 'string')
    .map((item) => ({
      id: (optionalString(item.name) ?? item.model) as string,
      details: isObject(item.details) ? item.details : undefined,
      size: typeof item.size === 'number' ? item.size : undefined,
      modified_at: optionalString(item.modified_at),
    }));
}

export function toOpenAIModel(model: ListedModel, now: number): JsonObject {
  return {
    id: model.id,
    object: 'model',
    created: model.created ?? toUnixSeconds(now),
    owned_by: model.owned_by ?? 'gatehouse',
  };
}

export function toOpenAIModelList(models: readonly ListedModel[], now: number): JsonObject {
  return { object: 'list', data: models.map((model) => toOpenAIModel(model, now)) };
}

const EMPTY_DETAILS: JsonObject = Object.freeze({
  parent_model: '',
  format: '',
  family: '',
  families: null,
  parameter_size: '',
  quantization_level: '',
});

/** A stable pseudo digest, so clients that key caches on `digest` see the same value for the same name. */
function digestOf(name: string): string {
  return hash32(name).toString(16).padStart(8, '0').repeat(8);
}

function toOllamaEntry(model: ListedModel, now: number): JsonObject {
  return {
    name: model.id,
    model: model.id,
    modified_at: model.modified_at ?? new Date(now).toISOString(),
    size: model.size ?? 0,
    digest: digestOf(model.id),
    details: { ...EMPTY_DETAILS, ...model.details },
  };
}

/** `GET /api/tags` body for the models a key may use. */
export function toOllamaTags(models: readonly ListedModel[], now: number): JsonObject {
  return { models: models.map((model) => toOllamaEntry(model, now)) };
}

/** `GET /api/ps` body: models currently loaded; `expires_at` is far ahead since the gateway never unloads them. */
export function toOllamaProcessList(models: readonly ListedModel[], now: number): JsonObject {
  const expires = new Date(now + 24 * 3600 * 1000).toISOString();
  return {
    models: models.map((model) => ({ ...toOllamaEntry(model, now), expires_at: expires, size_vram: model.size ?? 0 })),
  };
}

/** `POST /api/show` body for a model whose upstream cannot describe it (any OpenAI-compatible upstream). */
export function synthesizeOllamaShow(model: ListedModel, now: number): JsonObject {
  return {
    modelfile: '',
    parameters: '',
    template: '',
    details: { ...EMPTY_DETAILS, ...model.details },
    model_info: {},
    capabilities: ['completion'],
    modified_at: model.modified_at ?? new Date(now).toISOString(),
  };
}

/** The Ollama version the gateway reports on `GET /api/version`: one whose API surface it implements. */
export const OLLAMA_COMPATIBLE_VERSION = '0.6.0';
