/**
 * Migrations 004 and 014 and the LLM admin repository behave the same on SQLite and PostgreSQL: tombstoned deletes
 * move the revision instances poll, and a deleted id can be created again.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { llmRepository, openStore, type Store } from '../../../src/store/index.ts';
import { createTempDir } from '../../helpers/gateway.ts';
import { createTestDatabase, postgresAvailable } from '../../helpers/services.ts';

async function exercise(store: Store): Promise<void> {
  await store.migrate();
  expect(await llmRepository.latestLlmRevision(store.read)).toBe(0);
  await llmRepository.insertLlmConfig(store.write, 'llm_upstreams', 'a', { provider: 'openai' });
  await llmRepository.insertLlmConfig(store.write, 'llm_model_groups', 'g', { targets: [] });
  await expect(llmRepository.insertLlmConfig(store.write, 'llm_upstreams', 'a', {})).rejects.toThrow('already exists');
  const rev = await llmRepository.latestLlmRevision(store.read);
  expect(rev).toBeGreaterThan(0);
  await llmRepository.deleteLlmConfig(store.write, 'llm_upstreams', 'a');
  expect(await llmRepository.latestLlmRevision(store.read)).toBeGreaterThan(rev);
  expect(await llmRepository.listLlmConfig(store.read, 'llm_upstreams')).toEqual([]);
  await expect(llmRepository.deleteLlmConfig(store.write, 'llm_upstreams', 'a')).rejects.toThrow('not found');
  await llmRepository.insertLlmConfig(store.write, 'llm_upstreams', 'a', { provider: 'ollama' });
  await llmRepository.updateLlmConfig(store.write, 'llm_model_groups', 'g', { targets: [1] });
  expect((await llmRepository.listLlmConfig(store.read, 'llm_upstreams'))[0]?.spec).toEqual({ provider: 'ollama' });
  expect((await llmRepository.listLlmConfig(store.read, 'llm_model_groups'))[0]?.spec).toEqual({ targets: [1] });

  // Prices (migration 014): upserted, their revisions polled with the others, a replaced row keeps its creation.
  const beforePrice = await llmRepository.latestLlmRevision(store.read);
  await llmRepository.upsertLlmConfig(store.write, 'llm_prices', 'gpt-4o', { input: 1, output: 2 }, 1_000);
  expect(await llmRepository.latestLlmRevision(store.read)).toBeGreaterThan(beforePrice);
  await llmRepository.upsertLlmConfig(store.write, 'llm_prices', 'gpt-4o', { input: 3, output: 4 }, 2_000);
  expect(await llmRepository.listLlmConfig(store.read, 'llm_prices')).toEqual([
    { id: 'gpt-4o', spec: { input: 3, output: 4 }, createdAt: 1_000, updatedAt: 2_000 },
  ]);
  await llmRepository.deleteLlmConfig(store.write, 'llm_prices', 'gpt-4o');
  expect(await llmRepository.listLlmConfig(store.read, 'llm_prices')).toEqual([]);
  await llmRepository.upsertLlmConfig(store.write, 'llm_prices', 'gpt-4o', { input: 5, output: 6 }, 3_000);
  expect((await llmRepository.listLlmConfig(store.read, 'llm_prices'))[0]).toMatchObject({ createdAt: 3_000 });
}

const pg = await postgresAvailable();

describe('LLM admin tables', () => {
  it('work on SQLite', async () => {
    const dir = createTempDir();
    const store = openStore({ dataDir: dir, writeUrl: null, readUrl: null });
    try {
      await exercise(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!pg)('work on PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = openStore({ dataDir: createTempDir(), writeUrl: database.url, readUrl: null });
    try {
      await exercise(store);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
