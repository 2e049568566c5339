/** @module Opt-in, TTL'd, envelope-encrypted prompt logging (see `prompt-log-store.ts`). */
export {
  type PromptLogEntry,
  type PromptLogRecord,
  type PromptLogRecorder,
  PromptLogStore,
  type PromptLogStoreOptions,
  promptLogTtlMs,
} from './prompt-log-store.ts';
