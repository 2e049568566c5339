import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { type HttpConfig, resolveHttpConfig } from '../config/http.ts';
import { uuidv7 } from '../domain/ids.ts';
import type { LlmService } from '../llm/index.ts';
import type { Vault } from '../vault/index.ts';
import { drainConnectionsOnClose } from './drain.ts';
import { createFrameworkErrorHandler, handleClientError, refuseConnect } from './edge-requests.ts';
import { createErrorHandler, handleNotFound } from './error-handler.ts';
import './fastify-types.ts';
import type { PromptLogRecorder } from '../prompt-log/index.ts';
import { registerJsonBodyParser } from './json-body.ts';
import { collectRoutes, openapiRoutes } from './openapi/index.ts';
import { type GatewayPipelineDeps, pipelinePlugin } from './pipeline/index.ts';
import { type AdminRoutesDeps, adminRoutes } from './routes/admin/index.ts';
import { anthropicRoutes } from './routes/anthropic/index.ts';
import { type ConsoleRoutesOptions, consoleRoutes } from './routes/console/index.ts';
import { identityRoutes } from './routes/identity/index.ts';
import { type McpRoutesOptions, mcpRoutes } from './routes/mcp/index.ts';
import { ollamaRoutes } from './routes/ollama/index.ts';
import { openaiRoutes } from './routes/openai/index.ts';
import { type OpsRoutesOptions, opsRoutes } from './routes/ops/index.ts';
import { type UsageRoutesDeps, usageRoutes } from './routes/usage/index.ts';
import { vaultRoutes } from './routes/vault/index.ts';
import { SURFACES, type Surface, surfaceKey } from './surfaces.ts';
import { checkResponse, compileValidator, serializeJson } from './validation.ts';

export interface BuildAppOptions {
  pipeline: GatewayPipelineDeps;
  ops: OpsRoutesOptions;
  bodyLimitBytes: number;
  /** Parsing limits (JSON depth, path parameter length); defaults from `resolveHttpConfig`. */
  http?: Pick<HttpConfig, 'jsonMaxDepth' | 'maxParamLength' | 'drainGraceMs'>;
  logger: FastifyServerOptions['loggerInstance'] | false;
  /** The admin API's services; without them the admin routes are not registered (their surfaces then fail startup). */
  admin?: AdminRoutesDeps;
  /** The web console's sign-in and sessions; without them the console routes are not registered. */
  console?: ConsoleRoutesOptions;
  /** Surface families registered by later layers (LLM, MCP, vault, admin), each a Fastify plugin. */
  families?: Array<(app: FastifyInstance) => Promise<void>>;
  surfaces?: readonly Surface[];
  /** The LLM data plane behind `/v1/*`, `/api/*` and `/admin/v1/llm/*`; without one those answer 502. */
  llm?: LlmService | null;
  /** Opt-in prompt logging for the LLM routes; without it nothing is recorded. */
  promptLogs?: PromptLogRecorder | null;
  /** The MCP tool gateway behind `/mcp`, `/mcp/v1/*` and `/admin/v1/mcp/*`; without one every server is unknown. */
  mcp?: McpRoutesOptions['mcp'];
  /** The credential vault behind `/vault/*`; without one every vault service is unknown (404). */
  vault?: Vault | null;
  /** The store and spend ledger behind `/admin/v1/usage`; without them it answers 503. */
  usage?: UsageRoutesDeps | null;
  /** The gateway's external origin, for the OpenAPI document's `servers`. */
  publicUrl?: string | null;
  /**
   * Checks every 2xx answer against its route's response schema and turns a mismatch into a 500 (tests set it, so
   * every integration suite doubles as the drift test of the OpenAPI document).
   */
  validateResponses?: boolean;
}

/** The drift check behind `validateResponses`: a route that answers outside its declared schema fails loudly. */
function enforceResponseSchemas(app: FastifyInstance): void {
  app.addHook('onSend', async function checkResponseSchema(request, reply, payload) {
    const status = reply.statusCode;
    if (status < 200 || status >= 300) return payload;
    const declared = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
    const schema = declared?.[String(status)];
    if (declared === undefined || schema === undefined) return payload;
    const problem = checkResponse(schema, payload, reply.getHeader('content-type') as string | undefined);
    if (problem !== null) {
      process.stderr.write(
        `response schema drift: ${request.method} ${request.routeOptions.url} ${status}: ${problem}\n`,
      );
      throw new Error(
        `${request.method} ${request.routeOptions.url} answered ${status} outside its schema: ${problem}`,
      );
    }
    return payload;
  });
}

/**
 * Enforces DESIGN §2 invariant 1 at startup: each route must name a surface whose method and path match, and by
 * `ready` every surface must have been registered.
 */
function enforceSurfaceRegistry(app: FastifyInstance, surfaces: readonly Surface[]): void {
  const byId = new Map(surfaces.map((surface) => [surface.id, surface]));
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    const id = route.config?.surface;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const surface = id ? byId.get(id) : undefined;
    if (!surface) throw new Error(`route ${methods.join(',')} ${route.url} has no surface registry entry`);
    for (const method of methods) {
      if (surface.method !== '*' && surface.method !== method) {
        throw new Error(
          `route ${method} ${route.url} does not match surface ${id} (${surface.method} ${surface.path})`,
        );
      }
    }
    if (route.url !== surface.path)
      throw new Error(`route ${route.url} does not match surface ${id} path ${surface.path}`);
    route.config = { ...route.config, surfaceEntry: surface };
    seen.add(surface.id);
  });
  app.addHook('onReady', async () => {
    const missing = surfaces.filter((surface) => !seen.has(surface.id)).map((s) => surfaceKey(s.method, s.path));
    if (missing.length > 0) throw new Error(`surfaces without a route: ${missing.join(', ')}`);
  });
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const limits = options.http ?? resolveHttpConfig(undefined);
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: () => uuidv7(),
    exposeHeadRoutes: false,
    // The audit event is the request log; fastify's own per-request lines would double the logging cost.
    logController: new LogController({ disableRequestLogging: true }),
    // fastify's closing fast path answers 503 before any hook runs: no audit event, no catalog body. Requests that
    // arrive during drain go through the pipeline instead, where identify answers `shutting_down`.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: limits.maxParamLength },
    frameworkErrors: createFrameworkErrorHandler(limits.maxParamLength),
    clientErrorHandler: (error, socket) => handleClientError(app, error, socket),
  });
  refuseConnect(app);
  enforceSurfaceRegistry(app, options.surfaces ?? SURFACES);
  drainConnectionsOnClose(app, { graceMs: limits.drainGraceMs });
  const routeCollector = collectRoutes(app);
  // Fastify builds a pino child logger per request by default; the request id is in every error line we write, so
  // the per-request child (an allocation and a bindings serialisation on every request) buys nothing.
  app.setChildLoggerFactory(function sharedRequestLogger(logger) {
    return logger;
  });
  // Every body Gatehouse parses is JSON; a text/plain body would otherwise reach the schemas as a string (400)
  // instead of being refused for what it is (415). Families that take other bodies (vault, /mcp) add their own.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app, limits.jsonMaxDepth);
  app.setValidatorCompiler(compileValidator);
  app.setSerializerCompiler(serializeJson);
  if (options.validateResponses) enforceResponseSchemas(app);
  app.setErrorHandler(createErrorHandler(options.bodyLimitBytes));
  app.setNotFoundHandler(handleNotFound);
  await app.register(pipelinePlugin, options.pipeline);
  await app.register(opsRoutes, options.ops);
  await app.register(openapiRoutes, { collector: routeCollector, publicUrl: options.publicUrl ?? null });
  await app.register(identityRoutes);
  if (options.admin) await app.register(adminRoutes, options.admin);
  if (options.console) await app.register(consoleRoutes, options.console);
  await app.register(vaultRoutes, { vault: options.vault ?? null });
  await app.register(mcpRoutes, { mcp: options.mcp ?? null });
  await app.register(usageRoutes, { usage: options.usage ?? null });
  const llmRoutes = { llm: options.llm ?? null, promptLogs: options.promptLogs ?? null };
  await app.register(openaiRoutes, llmRoutes);
  await app.register(anthropicRoutes, llmRoutes);
  await app.register(ollamaRoutes, llmRoutes);
  for (const family of options.families ?? []) await app.register(family);
  return app;
}
