import { describeProviderContract } from './provider.case.ts';
import { readOpenAIStream } from './support.ts';

describeProviderContract('azure-openai', {
  kind: 'azure-openai',
  upstream: (fake, apiKeys) => ({
    id: 'up',
    provider: 'azure-openai',
    base_url: fake.origin,
    api_version: '2024-10-21',
    api_keys: apiKeys,
  }),
  operation: 'openai.chat',
  chatBody: (stream) => ({ model: 'chat', messages: [{ role: 'user', content: 'count to five' }], stream }),
  chatPath: (model) => `/openai/deployments/${model}/chat/completions`,
  keyOf: (request) => request.headers['api-key'] as string | undefined,
  // The deployment is the model: Azure routes by path, and the body's model is the deployment name as well.
  modelOf: (request) => /\/deployments\/([^/]+)\//.exec(request.path)?.[1],
  replyText: (reply) => (reply.choices as Array<{ message: { content: string } }>)[0]?.message.content ?? '',
  readStream: readOpenAIStream,
});
