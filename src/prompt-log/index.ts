/** @module Opt-in, TTL'd, envelope-encrypted prompt logging (see `prompt-log-store.ts`). */

export {
  MIN_PROMPT_LOG_TTL_S,
  type PromptLogOptIn,
  type PromptLogSource,
  promptLogTtlProblem,
  promptLogTtlSeconds,
  resolvePromptLogOptIn,
} from './opt-in.ts';
export {
  type PromptLogEntry,
  type PromptLogRecord,
  type PromptLogRecorder,
  PromptLogStore,
  type PromptLogStoreOptions,
} from './prompt-log-store.ts';
