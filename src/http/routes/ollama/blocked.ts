import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpError } from '../../errors.ts';
import { BLOCKED_OLLAMA_PATHS } from './surfaces.ts';

/**
 * Runs after the root pipeline's identify and authorize hooks (root hooks run first), so an anonymous caller gets
 * 401 and a known one 403; the body is never parsed, whatever its size or content type.
 */
function refuseOllamaManagement(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void {
  done(httpError('ollama_endpoint_blocked', { endpoint: request.gh.surface.path }));
}

function unreachable(): never {
  throw new Error('blocked Ollama route reached its handler');
}

export async function ollamaBlockedRoutes(app: FastifyInstance): Promise<void> {
  for (const path of BLOCKED_OLLAMA_PATHS) {
    app.all(
      path,
      {
        config: { surface: `ollama.blocked.${path.split('/')[2]}`, alwaysRefused: true },
        onRequest: refuseOllamaManagement,
      },
      unreachable,
    );
  }
}
