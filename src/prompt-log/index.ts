/** @module Opt-in, TTL'd, envelope-encrypted prompt logging (see `prompt-log-store.ts`). */
export {
  type PromptLogEntry,
  type PromptLogRecord,
  PromptLogStore,
  type PromptLogStoreOptions,
  promptLogTtlMs,
} from './prompt-log-store.ts';
