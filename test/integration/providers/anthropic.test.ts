import { describeProviderContract } from './provider.case.ts';

type Json = Record<string, unknown>;

function anthropicReplyText(reply: Json): string {
  const content = reply.content as Array<{ type: string; text?: string }>;
  return content.map((block) => block.text ?? '').join('');
}

/** Text from `text_delta`s; terminated by `message_stop`; the in-band error is an `error` event's message. */
function readAnthropicStream(body: string): { text: string; terminated: boolean; error: string | null } {
  let text = '';
  let terminated = false;
  let error: string | null = null;
  const events = body
    .split('\n\n')
    .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')))
    .map((line) => JSON.parse(line.slice(6)) as Json);
  for (const event of events) {
    if (event.type === 'content_block_delta') text += String((event.delta as Json).text ?? '');
    if (event.type === 'message_stop') terminated = true;
    if (event.type === 'error') error = String((event.error as Json).message);
  }
  return { text, terminated, error };
}

describeProviderContract('anthropic', {
  kind: 'anthropic',
  upstream: (fake, apiKeys) => ({ id: 'up', provider: 'anthropic', base_url: fake.origin, api_keys: apiKeys }),
  operation: 'anthropic.messages',
  chatBody: (stream) => ({
    model: 'chat',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'count to five' }],
    stream,
  }),
  chatPath: () => '/v1/messages',
  keyOf: (request) => request.headers['x-api-key'] as string | undefined,
  modelOf: (request) => request.body?.model as string | undefined,
  replyText: anthropicReplyText,
  readStream: readAnthropicStream,
  usageAtStart: true,
});
