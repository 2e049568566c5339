import { describeProviderContract } from './provider.case.ts';
import { readOpenAIStream } from './support.ts';

function openAIReplyText(reply: Record<string, unknown>): string {
  const choices = reply.choices as Array<{ message: { content: string } }>;
  return choices[0]?.message.content ?? '';
}

describeProviderContract('openai', {
  kind: 'openai',
  upstream: (fake, apiKeys) => ({ id: 'up', provider: 'openai', base_url: `${fake.origin}/v1`, api_keys: apiKeys }),
  operation: 'openai.chat',
  chatBody: (stream) => ({ model: 'chat', messages: [{ role: 'user', content: 'count to five' }], stream }),
  chatPath: () => '/v1/chat/completions',
  keyOf: (request) => request.headers.authorization?.replace(/^Bearer /, ''),
  modelOf: (request) => request.body?.model as string | undefined,
  replyText: openAIReplyText,
  readStream: readOpenAIStream,
});
