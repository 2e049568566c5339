/**
 * @module The hot-path view of tenant and team settings (their limits and budgets). Keys carry their own settings
 * in the key snapshot; this holds the two levels above, refreshed from the store's revision counter like the key
 * snapshot, so `gatehouse team limits set` applies on every instance within one poll (≤ 1 s).
 */
import type { Kysely } from 'kysely';
import {
  type Database,
  RevisionSnapshot,
  type RevisionSnapshotOptions,
  scopeSettingsRepository,
} from '../store/index.ts';

export type ScopeSettingsSnapshotOptions = RevisionSnapshotOptions;

const NO_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});

export class ScopeSettingsSnapshot extends RevisionSnapshot {
  readonly #tenants = new Map<string, Readonly<Record<string, unknown>>>();
  readonly #teams = new Map<string, Readonly<Record<string, unknown>>>();

  protected async apply(db: Kysely<Database>, sinceRev: number): Promise<void> {
    for (const row of await scopeSettingsRepository.listTenantSettingsChangedSince(db, sinceRev)) {
      this.#tenants.set(row.id, row.settings);
    }
    for (const row of await scopeSettingsRepository.listTeamSettingsChangedSince(db, sinceRev)) {
      this.#teams.set(row.id, row.settings);
    }
  }

  tenant(id: string): Readonly<Record<string, unknown>> {
    return this.#tenants.get(id) ?? NO_SETTINGS;
  }

  team(id: string): Readonly<Record<string, unknown>> {
    return this.#teams.get(id) ?? NO_SETTINGS;
  }

  /** Every tenant the snapshot holds settings for (budget utilisation walks them off the request path). */
  tenantIds(): IterableIterator<string> {
    return this.#tenants.keys();
  }

  teamIds(): IterableIterator<string> {
    return this.#teams.keys();
  }
}
