import { Type } from '@sinclair/typebox';
import type { OperationOf } from '../../../domain/routing/index.ts';
import { dialectAnswer } from '../openai/answers.ts';

/** What the Messages surfaces answer, for the OpenAPI document. */
export const MessagesAnswer: { readonly [Op in OperationOf<'anthropic'>]: ReturnType<typeof Type.Unknown> } = {
  'anthropic.messages': dialectAnswer('anthropic'),
  'anthropic.count_tokens': Type.Unknown({
    description: '`{"input_tokens": N}`: from the Anthropic upstream, or the gateway\'s estimate for other upstreams.',
  }),
};

/** Anthropic's model object (`GET /v1/models` with an `anthropic-version` header). */
export const AnthropicModel = Type.Object({
  type: Type.Literal('model'),
  id: Type.String(),
  display_name: Type.String(),
  created_at: Type.String({ description: 'RFC 3339.' }),
});

export const AnthropicModelList = Type.Object({
  data: Type.Array(AnthropicModel),
  has_more: Type.Boolean(),
  first_id: Type.Union([Type.String(), Type.Null()]),
  last_id: Type.Union([Type.String(), Type.Null()]),
});
