import type { TSchema } from '@sinclair/typebox';

/**
 * Every wire format Gatehouse owns, exported to `contracts/schemas/<name>.schema.json` by
 * `npm run contracts`. The code validates with these same TypeBox schemas, so the checked-in JSON
 * Schema is never a second hand-written copy; a test fails when the two drift.
 */
export interface ContractEntry {
  name: string;
  schema: TSchema;
}

export const contracts: ContractEntry[] = [];
