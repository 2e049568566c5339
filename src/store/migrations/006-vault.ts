import type { Kysely, Migration } from 'kysely';

/**
 * The vault: service definitions added through the admin API, per-key service grants, credential metadata (the
 * credential itself is an envelope in `secrets`) and the Idempotency-Key replay store. Rows the hot-path snapshot
 * holds carry a store revision and are soft-deleted, so every instance sees a removal as a change.
 */
export const vaultMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('vault_services')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('vault_services_rev').on('vault_services').column('rev').execute();

    await db.schema
      .createTable('vault_grants')
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('vault_grants_pk', ['key_id', 'service'])
      .execute();
    await db.schema.createIndex('vault_grants_rev').on('vault_grants').column('rev').execute();

    await db.schema
      .createTable('vault_credentials')
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('vault_credentials_pk', ['service', 'scope'])
      .execute();
    await db.schema.createIndex('vault_credentials_rev').on('vault_credentials').column('rev').execute();

    await db.schema
      .createTable('vault_idempotency')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('response', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('vault_idempotency_key', ['key_id', 'service', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('vault_idempotency_expiry').on('vault_idempotency').column('expires_at').execute();
  },
};
