import type { ModelPrice, PriceSource } from '../domain/limits/index.ts';
import { NotFoundError } from '../store/index.ts';
import { LlmConfigConflictError } from './admin.ts';
import type { LlmService } from './service.ts';

export interface PriceView {
  model: string;
  input: number;
  output: number;
  /** The rate in force for each subset, the fallback applied: what a request is actually charged. */
  cache_read: number;
  cache_write: number;
  reasoning: number;
  source: PriceSource;
  /** For an admin row: the config or default row it replaces, which removing it restores; else null. */
  overrides: PriceSource | null;
  created_at: string | null;
  updated_at: string | null;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The rates a price charges, with the documented fallbacks spelled out (cost.ts `costAt` applies the same). */
function rates(price: ModelPrice): Pick<PriceView, 'input' | 'output' | 'cache_read' | 'cache_write' | 'reasoning'> {
  return {
    input: price.input,
    output: price.output,
    cache_read: price.cache_read ?? price.cached_input ?? price.input,
    cache_write: price.cache_write ?? price.input,
    reasoning: price.reasoning ?? price.output,
  };
}

/**
 * The admin API's view of model prices: every row in force with the layer it comes from. Admin rows override the
 * config file's and the built-in ones for the same model; they are stored, then every instance picks them up on
 * the poll that refreshes routing, and this instance at once, so the next admission is priced with them.
 */
export class PriceAdmin {
  readonly #service: LlmService;

  constructor(service: LlmService) {
    this.#service = service;
  }

  list(): PriceView[] {
    return this.#service.prices
      .entries()
      .map((entry) => this.#view(entry.model, entry.price, entry.source, entry.overrides));
  }

  get(model: string): PriceView {
    const found = this.list().find((view) => view.model === model);
    if (found === undefined) throw new NotFoundError('price', model);
    return found;
  }

  async set(model: string, price: ModelPrice): Promise<PriceView> {
    await this.#service.adminStore.putPrice(model, price);
    await this.#service.refresh(true);
    return this.get(model);
  }

  /** Removes an admin row; the config or default row, if any, applies again. */
  async remove(model: string): Promise<void> {
    await this.#service.refresh();
    if (!this.#service.prices.isAdminSet(model)) {
      const base = this.#service.prices.baseline(model);
      if (base === null) throw new NotFoundError('price', model);
      throw new LlmConfigConflictError(
        `the price of ${model} comes from the ${base.source === 'config' ? 'config file' : 'built-in defaults'}; set a price to override it`,
      );
    }
    await this.#service.adminStore.deletePrice(model);
    await this.#service.refresh(true);
  }

  #view(model: string, price: ModelPrice, source: PriceSource, overrides: PriceSource | null): PriceView {
    const stored = source === 'admin' ? this.#service.stored.prices.find((entry) => entry.model === model) : undefined;
    return {
      model,
      ...rates(price),
      source,
      overrides,
      created_at: iso(stored?.createdAt),
      updated_at: iso(stored?.updatedAt),
    };
  }
}
