import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ModelPrice, PriceInputSchema } from '../domain/limits/index.ts';
import type { ModelGroupSpec, RoutingConfig, UpstreamSpec } from '../providers/index.ts';
import type { SecretService } from '../secrets/index.ts';
import { llmRepository, type Store } from '../store/index.ts';
import type { UpstreamInput } from './types.ts';

const KEYS_SECRET = 'api_keys';

/** Upstream API keys are one envelope per upstream; the row holds the rest of the spec. */
function keysOwner(upstreamId: string): string {
  return `llm-upstream:${upstreamId}`;
}

export interface StoredUpstream {
  spec: UpstreamInput;
  createdAt: number;
  updatedAt: number;
}

export interface StoredGroup {
  spec: ModelGroupSpec;
  createdAt: number;
  updatedAt: number;
}

export interface StoredPrice {
  model: string;
  price: ModelPrice;
  createdAt: number;
  updatedAt: number;
}

export interface StoredLlmConfig {
  upstreams: StoredUpstream[];
  groups: StoredGroup[];
  prices: StoredPrice[];
}

const priceChecker = TypeCompiler.Compile(PriceInputSchema);

/** Persistence of the admin-defined part of the routing tables (migration 004) and of the prices (014). */
export class LlmAdminStore {
  readonly #store: Store;
  readonly #secrets: SecretService;

  constructor(store: Store, secrets: SecretService) {
    this.#store = store;
    this.#secrets = secrets;
  }

  revision(): Promise<number> {
    return llmRepository.latestLlmRevision(this.#store.read);
  }

  /**
   * The stored tables. A price row that no longer validates (edited by hand in the database) is left out and
   * named in `invalidPrices`: it must not charge a budget with a value the API would have refused.
   */
  async load(): Promise<StoredLlmConfig & { invalidPrices: string[] }> {
    const [upstreamRows, groupRows, priceRows] = await Promise.all([
      llmRepository.listLlmConfig(this.#store.read, 'llm_upstreams'),
      llmRepository.listLlmConfig(this.#store.read, 'llm_model_groups'),
      llmRepository.listLlmConfig(this.#store.read, 'llm_prices'),
    ]);
    const upstreams = await Promise.all(
      upstreamRows.map(async (row) => {
        const spec = row.spec as Omit<UpstreamSpec, 'api_keys'>;
        const keys = await this.#secrets.get(keysOwner(row.id), KEYS_SECRET);
        const apiKeys = keys === null ? [] : (JSON.parse(keys.toString('utf8')) as string[]);
        return { spec: { ...spec, api_keys: apiKeys }, createdAt: row.createdAt, updatedAt: row.updatedAt };
      }),
    );
    const groups = groupRows.map((row) => ({
      spec: row.spec as ModelGroupSpec,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    }));
    const prices: StoredPrice[] = [];
    const invalidPrices: string[] = [];
    for (const row of priceRows) {
      if (priceChecker.Check(row.spec)) {
        prices.push({ model: row.id, price: row.spec, createdAt: row.createdAt, updatedAt: row.updatedAt });
      } else invalidPrices.push(row.id);
    }
    return { upstreams, groups, prices, invalidPrices };
  }

  /** Keys first, then the row: a reader that sees the row always finds its keys. */
  async putUpstream(spec: UpstreamInput, mode: 'create' | 'update'): Promise<void> {
    const { api_keys: apiKeys, ...rest } = spec;
    if (apiKeys !== undefined) {
      await this.#secrets.put(keysOwner(spec.id), KEYS_SECRET, JSON.stringify(apiKeys));
    }
    if (mode === 'create') await llmRepository.insertLlmConfig(this.#store.write, 'llm_upstreams', spec.id, rest);
    else await llmRepository.updateLlmConfig(this.#store.write, 'llm_upstreams', spec.id, rest);
  }

  async deleteUpstream(id: string): Promise<void> {
    await llmRepository.deleteLlmConfig(this.#store.write, 'llm_upstreams', id);
    await this.#secrets.delete(keysOwner(id), KEYS_SECRET);
  }

  async putGroup(spec: ModelGroupSpec, mode: 'create' | 'update'): Promise<void> {
    if (mode === 'create') await llmRepository.insertLlmConfig(this.#store.write, 'llm_model_groups', spec.name, spec);
    else await llmRepository.updateLlmConfig(this.#store.write, 'llm_model_groups', spec.name, spec);
  }

  deleteGroup(name: string): Promise<void> {
    return llmRepository.deleteLlmConfig(this.#store.write, 'llm_model_groups', name);
  }

  putPrice(model: string, price: ModelPrice): Promise<void> {
    return llmRepository.upsertLlmConfig(this.#store.write, 'llm_prices', model, price);
  }

  deletePrice(model: string): Promise<void> {
    return llmRepository.deleteLlmConfig(this.#store.write, 'llm_prices', model);
  }
}

export function toRoutingConfig(stored: StoredLlmConfig): RoutingConfig {
  return { upstreams: stored.upstreams.map((entry) => entry.spec), models: stored.groups.map((entry) => entry.spec) };
}
