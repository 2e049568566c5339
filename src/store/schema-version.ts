/**
 * @module
 * The database's schema version against this build's. A migration's version is its number (`007-region-heartbeats`
 * is 7). A replica must never run against a schema it does not know: on a newer one (a newer build migrated the
 * database) its queries could misread or corrupt rows, and on an older one it would fail at the first missing
 * column instead of at start.
 */
import { MIGRATION_NAMES } from './migrations/index.ts';

export interface SchemaStatus {
  /** The highest migration applied: 0 and null on an empty database. */
  version: number;
  name: string | null;
  /** The latest migration this build has. */
  required: number;
  requiredName: string;
  /** Applied migrations this build does not have, oldest first (a newer build's). */
  unknown: string[];
}

export function versionOf(name: string): number {
  return Number.parseInt(name, 10);
}

function describeVersion(version: number, name: string | null): string {
  return name === null ? 'version 0 (empty)' : `version ${version} (${name})`;
}

/** Refused at start: a schema this build must not run against. Exits 78 like every deployment error. */
export class SchemaVersionError extends Error {
  readonly status: SchemaStatus;

  constructor(status: SchemaStatus, message: string) {
    super(message);
    this.name = 'SchemaVersionError';
    this.status = status;
  }
}

export function schemaStatusOf(applied: readonly string[]): SchemaStatus {
  const known = new Set(MIGRATION_NAMES);
  const sorted = [...applied].sort();
  const name = sorted.at(-1) ?? null;
  const requiredName = MIGRATION_NAMES.at(-1) as string;
  return {
    version: name === null ? 0 : versionOf(name),
    name,
    required: versionOf(requiredName),
    requiredName,
    unknown: sorted.filter((migration) => !known.has(migration)),
  };
}

/** Throws when the database is newer than this build, or has migrations this build lacks. */
export function assertNotNewer(status: SchemaStatus): void {
  if (status.unknown.length === 0) return;
  const at = `the database schema is at ${describeVersion(status.version, status.name)}`;
  const build = `this build's ${describeVersion(status.required, status.requiredName)}`;
  const detail =
    status.version > status.required
      ? `${at}, newer than ${build}`
      : `${at} and has migrations this build does not know (${status.unknown.join(', ')}); this build is at ${describeVersion(status.required, status.requiredName)}`;
  throw new SchemaVersionError(
    status,
    `${detail}: run a Gatehouse build that has ${status.unknown.at(-1)}, or restore the database from before the upgrade`,
  );
}

/** Throws when migrations are pending and this process may not apply them (`GATEHOUSE_MIGRATE=off`). */
export function assertCurrent(status: SchemaStatus): void {
  assertNotNewer(status);
  if (status.version >= status.required) return;
  throw new SchemaVersionError(
    status,
    `the database schema is at ${describeVersion(status.version, status.name)}; this build needs ${describeVersion(status.required, status.requiredName)}: run \`gatehouse migrate\` with this build first (GATEHOUSE_MIGRATE=off)`,
  );
}
