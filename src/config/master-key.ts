import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKekId, type KekEntry, parseKeyList, parseMasterKeyHex } from '../domain/secrets/index.ts';
import { ConfigError } from './errors.ts';

export type MasterKey = KekEntry;

export interface MasterKeys {
  current: MasterKey;
  previous: MasterKey[];
  /** True when no key was configured and a development key was generated or read from the data dir. */
  generated: boolean;
}

const DEV_KEY_FILE = 'dev-master-key.json';

/** Runs a domain parser and re-throws its failure as a ConfigError naming the setting. */
function asConfig<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(field, (error as Error).message);
  }
}

/**
 * Resolves the key-encryption keys. In production a missing `GATEHOUSE_MASTER_KEY` refuses to start; in development
 * a key is generated once into the data dir (mode 0600) so restarts can still decrypt what was stored.
 */
export function resolveMasterKeys(env: NodeJS.ProcessEnv, dataDir: string, production: boolean): MasterKeys {
  const kekId = env.GATEHOUSE_KEK_ID ?? 'v1';
  if (!isKekId(kekId)) throw new ConfigError('GATEHOUSE_KEK_ID', 'must be 1-64 characters of [A-Za-z0-9._-]');
  const previous = asConfig('GATEHOUSE_PREVIOUS_MASTER_KEYS', () =>
    parseKeyList(env.GATEHOUSE_PREVIOUS_MASTER_KEYS ?? '', 'GATEHOUSE_PREVIOUS_MASTER_KEYS'),
  );
  if (previous.some((entry) => entry.id === kekId)) {
    throw new ConfigError('GATEHOUSE_PREVIOUS_MASTER_KEYS', `repeats the current kek id ${kekId}`);
  }
  const configured = env.GATEHOUSE_MASTER_KEY;
  if (configured) {
    const key = asConfig('GATEHOUSE_MASTER_KEY', () => parseMasterKeyHex(configured, 'GATEHOUSE_MASTER_KEY'));
    return { current: { id: kekId, key }, previous, generated: false };
  }
  if (production) {
    throw new ConfigError('GATEHOUSE_MASTER_KEY', 'is required when NODE_ENV=production (32-byte hex)');
  }
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { kek_id?: unknown; key?: unknown };
    if (typeof stored.kek_id !== 'string' || typeof stored.key !== 'string') {
      throw new ConfigError(file, 'is not a valid development key file');
    }
    const key = asConfig(file, () => parseMasterKeyHex(stored.key as string, file));
    return { current: { id: stored.kek_id, key }, previous, generated: true };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${JSON.stringify({ kek_id: kekId, key: key.toString('hex') })}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { current: { id: kekId, key }, previous, generated: true };
}
