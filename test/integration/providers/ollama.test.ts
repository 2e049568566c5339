import { describeProviderContract } from './provider.case.ts';
import { ndjson } from './support.ts';

describeProviderContract('ollama', {
  kind: 'ollama',
  upstream: (fake, apiKeys) => ({ id: 'up', provider: 'ollama', base_url: fake.origin, api_keys: apiKeys }),
  operation: 'ollama.chat',
  chatBody: (stream) => ({ model: 'chat', messages: [{ role: 'user', content: 'count to five' }], stream }),
  chatPath: () => '/api/chat',
  keyOf: (request) => request.headers.authorization?.replace(/^Bearer /, ''),
  modelOf: (request) => request.body?.model as string | undefined,
  replyText: (reply) => (reply.message as { content: string }).content,
  readStream(body) {
    let text = '';
    let error: string | null = null;
    let terminated = false;
    for (const line of ndjson(body)) {
      if (typeof line.error === 'string') error = line.error;
      text += (line.message as { content?: string } | undefined)?.content ?? '';
      if (line.done === true) terminated = true;
    }
    return { text, terminated, error };
  },
});
