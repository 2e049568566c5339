/**
 * @module The hot-path view of tenant and team settings (their limits and budgets). Keys carry their own settings
 * in the key snapshot; this holds the two levels above, refreshed from the store's revision counter like the key
 * snapshot, so `gatehouse team limits set` applies on every instance within one poll (≤ 1 s).
 */
import { currentRevision, type Store, scopeSettingsRepository } from '../store/index.ts';

export interface ScopeSettingsSnapshotOptions {
  store: Store;
  refreshMs: number;
  onRefreshError?: (error: unknown) => void;
}

const NO_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});

export class ScopeSettingsSnapshot {
  readonly #options: ScopeSettingsSnapshotOptions;
  readonly #tenants = new Map<string, Readonly<Record<string, unknown>>>();
  readonly #teams = new Map<string, Readonly<Record<string, unknown>>>();
  #rev = -1;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(options: ScopeSettingsSnapshotOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => {
      if (this.#refreshing !== null) return;
      this.refresh().catch((error) => this.#options.onRefreshError?.(error));
    }, this.#options.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Loads tenants and teams changed since the last refresh. Concurrent callers share one round trip. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    const db = this.#options.store.read;
    const rev = await currentRevision(db);
    if (rev === this.#rev) return;
    for (const row of await scopeSettingsRepository.listTenantSettingsChangedSince(db, this.#rev)) {
      this.#tenants.set(row.id, row.settings);
    }
    for (const row of await scopeSettingsRepository.listTeamSettingsChangedSince(db, this.#rev)) {
      this.#teams.set(row.id, row.settings);
    }
    this.#rev = rev;
  }

  tenant(id: string): Readonly<Record<string, unknown>> {
    return this.#tenants.get(id) ?? NO_SETTINGS;
  }

  team(id: string): Readonly<Record<string, unknown>> {
    return this.#teams.get(id) ?? NO_SETTINGS;
  }
}
