/** GenAI semantic conventions `gen_ai.operation.name`, by the permission an LLM surface requires. */
export const OPERATION_BY_PERMISSION: Readonly<Record<string, string>> = {
  'llm.chat': 'chat',
  'llm.completions': 'text_completion',
  'llm.embeddings': 'embeddings',
  'llm.responses': 'chat',
  'llm.messages': 'chat',
};

/** The GenAI operation of a request, from the permission its authorization checked; null for non-LLM surfaces. */
export function genAiOperation(permission: string | null | undefined): string | null {
  if (permission === null || permission === undefined) return null;
  return OPERATION_BY_PERMISSION[permission] ?? null;
}
