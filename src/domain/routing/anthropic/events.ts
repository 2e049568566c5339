import { encodeAnthropicEvent } from '../translate/anthropic-shared.ts';

/**
 * The in-band error that ends a broken Messages stream: Anthropic's `error` event, whose `error.type` its SDKs
 * read (`overloaded_error` when the upstream was saturated or timed out, `api_error` otherwise), with the
 * gateway's stable code beside it.
 */
export function anthropicErrorEvent(code: string, message: string): Buffer {
  const type = code === 'upstream_timeout' || code === 'upstream_saturated' ? 'overloaded_error' : 'api_error';
  return encodeAnthropicEvent({ type: 'error', error: { type, message, code } });
}
