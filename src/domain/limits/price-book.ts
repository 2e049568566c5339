import type { ModelPrice, PriceTable } from './cost.ts';
import { DEFAULT_PRICES } from './price-defaults.ts';

/** Where a price row comes from; a higher layer wins: admin over config over the built-in defaults. */
export type PriceSource = 'admin' | 'config' | 'default';

export interface PriceEntry {
  model: string;
  price: ModelPrice;
  source: PriceSource;
  /** The row the admin price replaces (what removing the override falls back to); null when none. */
  overrides: PriceSource | null;
}

/**
 * @module The price table in force, in three layers: the built-in defaults (unless switched off), the config file's
 * `prices`, and rows set through the admin API. Readers on the hot path take `table`, a plain object rebuilt only
 * when the admin layer changes, so pricing a request stays one property lookup.
 */
export class PriceBook {
  readonly #defaults: PriceTable;
  readonly #configured: PriceTable;
  #admin: PriceTable = {};
  #table: PriceTable;

  constructor(configured: PriceTable, useDefaults: boolean) {
    this.#defaults = useDefaults ? DEFAULT_PRICES : {};
    this.#configured = configured;
    this.#table = this.#merge();
  }

  /** The merged table; a new object after every `setAdmin`, never mutated, so a caller may hold it. */
  get table(): PriceTable {
    return this.#table;
  }

  /** Replaces the admin layer (the stored rows, as every instance reloads them). */
  setAdmin(rows: readonly (readonly [string, ModelPrice])[]): void {
    this.#admin = toTable(rows);
    this.#table = this.#merge();
  }

  /** The row the config file or the defaults give `model`, ignoring the admin layer. */
  baseline(model: string): { price: ModelPrice; source: PriceSource } | null {
    if (Object.hasOwn(this.#configured, model))
      return { price: this.#configured[model] as ModelPrice, source: 'config' };
    if (Object.hasOwn(this.#defaults, model)) return { price: this.#defaults[model] as ModelPrice, source: 'default' };
    return null;
  }

  isAdminSet(model: string): boolean {
    return Object.hasOwn(this.#admin, model);
  }

  /** Every row in force, by model name, each with the layer it comes from. */
  entries(): PriceEntry[] {
    return Object.keys(this.#table)
      .sort()
      .map((model) => {
        const base = this.baseline(model);
        if (Object.hasOwn(this.#admin, model)) {
          return { model, price: this.#admin[model] as ModelPrice, source: 'admin', overrides: base?.source ?? null };
        }
        const { price, source } = base as { price: ModelPrice; source: PriceSource };
        return { model, price, source, overrides: null };
      });
  }

  #merge(): PriceTable {
    return Object.freeze({ ...this.#defaults, ...this.#configured, ...this.#admin });
  }
}

// Object.fromEntries defines own properties, so a model named `__proto__` is a row, not a prototype change.
function toTable(rows: readonly (readonly [string, ModelPrice])[]): PriceTable {
  return Object.fromEntries(rows);
}
