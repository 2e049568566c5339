/**
 * @module Builds the OpenAPI 3.1 document from what is actually registered: each route's TypeBox schemas (params,
 * querystring, body, response) and its surface entry (auth modes, permissions, scope, classification). Nothing is
 * written by hand, so the document cannot drift from the routes.
 */
import { AnthropicErrorBodySchema, ErrorBodySchema, OllamaErrorBodySchema } from '../../contracts/error-schema.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../session-cookie.ts';
import { type AuthMode, acceptsSession, type Surface } from '../surfaces.ts';
import type { CollectedRoute } from './collector.ts';

type JsonObject = Record<string, unknown>;

export interface OpenApiOptions {
  version: string;
  /** The gateway's external origin; becomes `servers[0]` when set. */
  publicUrl?: string | null;
}

const OPENAPI_METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);

const SECURITY_SCHEMES: Record<Exclude<AuthMode, 'none'>, [string, JsonObject]> = {
  key: [
    'virtualKey',
    { type: 'http', scheme: 'bearer', bearerFormat: 'gh_…', description: 'A virtual key issued to a team.' },
  ],
  admin_token: [
    'adminToken',
    { type: 'http', scheme: 'bearer', bearerFormat: 'gha_…', description: 'An admin API token for a user.' },
  ],
  jwt: [
    'oidcJwt',
    { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from the configured OIDC issuer.' },
  ],
  session: [
    'consoleSession',
    {
      type: 'apiKey',
      in: 'cookie',
      name: SESSION_COOKIE,
      description: `The console's sign-in session; writes also need the \`${CSRF_HEADER}\` header.`,
    },
  ],
};

const TAG_DESCRIPTIONS: Record<string, string> = {
  admin: 'The control plane (`/admin/v1/*`): admin tokens or OIDC JWTs, RBAC-authorized at the resource scope.',
  identity: 'The calling principal.',
  llm: 'OpenAI-compatible LLM data plane (`/v1/*`).',
  ollama: 'Ollama-native LLM data plane (`/api/*`).',
  mcp: 'MCP tool gateway.',
  vault: 'Credential vault proxy.',
  ops: 'Health, readiness, metrics and this documentation.',
};

/**
 * Fastify's route syntax to an OpenAPI path template: `:name` → `{name}`, a `(regex)` constraint is dropped, `::` is
 * a literal colon, and the `*` wildcard becomes `{wildcard}` (it may span slashes; its description says so).
 */
export function toOpenApiPath(url: string): { path: string; params: string[] } {
  let path = '';
  const params: string[] = [];
  for (let i = 0; i < url.length; i++) {
    const char = url[i];
    if (char === ':' && url[i + 1] === ':') {
      path += ':';
      i += 1;
    } else if (char === ':') {
      const name = /^[A-Za-z0-9_]+/.exec(url.slice(i + 1))?.[0] ?? '';
      params.push(name);
      path += `{${name}}`;
      i += name.length;
      if (url[i + 1] === '(') {
        let depth = 0;
        for (i += 1; i < url.length; i++) {
          if (url[i] === '(') depth += 1;
          else if (url[i] === ')' && --depth === 0) break;
        }
      }
    } else if (char === '*') {
      params.push('wildcard');
      path += '{wildcard}';
    } else {
      path += char;
    }
  }
  return { path, params };
}

/** A TypeBox schema as plain JSON Schema: symbols dropped by the JSON round trip, `$id` removed (no base-URI shifts). */
function plainSchema(schema: unknown): JsonObject {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === '$id' ? undefined : value)) as JsonObject;
}

function parametersOf(route: CollectedRoute, pathParams: string[]): JsonObject[] {
  const parameters: JsonObject[] = [];
  const declared = plainSchema(route.schema?.params ?? {}) as { properties?: Record<string, JsonObject> };
  for (const name of pathParams) {
    const fastifyName = name === 'wildcard' ? '*' : name;
    const schema = declared.properties?.[fastifyName] ?? { type: 'string' };
    parameters.push({
      name,
      in: 'path',
      required: true,
      schema,
      ...(name === 'wildcard' ? { description: 'The rest of the path; may contain `/`.' } : {}),
    });
  }
  const query = plainSchema(route.schema?.querystring ?? {}) as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  for (const [name, schema] of Object.entries(query.properties ?? {})) {
    // OpenAPI renders a parameter's own `description`; the schema's stays too, for schema-only tooling.
    const description = typeof schema.description === 'string' ? { description: schema.description } : {};
    parameters.push({ name, in: 'query', required: query.required?.includes(name) === true, ...description, schema });
  }
  return parameters;
}

/** The error response of a route: the envelope its surface's clients read (`errorBodyFor`), else the default. */
function errorResponseOf(surface: Surface): JsonObject {
  switch (surface.dialect) {
    case 'anthropic':
      return { $ref: '#/components/responses/AnthropicError' };
    case 'ollama':
      return { $ref: '#/components/responses/OllamaError' };
    default:
      return { $ref: '#/components/responses/Error' };
  }
}

function responsesOf(route: CollectedRoute, hasInput: boolean): JsonObject {
  const declared = (route.schema?.response ?? {}) as Record<string, unknown>;
  const responses: JsonObject = {};
  for (const [status, schema] of Object.entries(declared)) {
    const plain = plainSchema(schema);
    if (plain.type === 'null') {
      responses[status] = { description: String(plain.description ?? 'No content.') };
      continue;
    }
    const mediaType = typeof plain.contentMediaType === 'string' ? plain.contentMediaType : 'application/json';
    responses[status] = { description: 'Success.', content: { [mediaType]: { schema: plain } } };
  }
  if (Object.keys(responses).length === 0 && !route.alwaysRefused) responses['2XX'] = { description: 'Success.' };
  const error = errorResponseOf(route.surface);
  if (hasInput) responses['400'] = error;
  if (!route.surface.auth.includes('none')) {
    responses['401'] = error;
    responses['403'] = error;
  }
  responses.default = error;
  return responses;
}

function operationOf(route: CollectedRoute, method: string, pathParams: string[]): JsonObject {
  const surface: Surface = route.surface;
  const body = route.body;
  const parameters = parametersOf(route, pathParams);
  const authModes = surface.auth.filter((mode): mode is Exclude<AuthMode, 'none'> => mode !== 'none');
  if (acceptsSession(surface) && !authModes.includes('session')) authModes.push('session');
  return {
    operationId: route.methods.length > 1 ? `${surface.id}.${method.toLowerCase()}` : surface.id,
    summary: surface.description,
    tags: [surface.id.split('.')[0] as string],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { 'application/json': { schema: plainSchema(body) } },
          },
        }
      : {}),
    responses: responsesOf(route, parameters.length > 0 || body !== undefined),
    security: authModes.map((mode) => ({ [SECURITY_SCHEMES[mode][0]]: [] })),
    'x-gatehouse-surface': surface.id,
    'x-gatehouse-permissions': surface.permissions,
    'x-gatehouse-scope': surface.scope ?? 'principal',
    'x-gatehouse-classification': surface.classification,
    ...(route.alwaysRefused ? { 'x-gatehouse-always-refused': true } : {}),
  };
}

function errorResponse(description: string, schema: string): JsonObject {
  return { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } };
}

export function buildOpenApiDocument(routes: readonly CollectedRoute[], options: OpenApiOptions): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    const { path, params } = toOpenApiPath(route.url);
    paths[path] ??= {};
    const item = paths[path];
    for (const method of route.methods.filter((m) => OPENAPI_METHODS.has(m))) {
      item[method.toLowerCase()] = operationOf(route, method, params);
      tags.add(route.surface.id.split('.')[0] as string);
    }
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse',
      version: options.version,
      description:
        'One gateway between AI agents and LLMs, MCP tools and third-party APIs. Error bodies are ' +
        '`{"error":{"message","type","code","param"}}`, except on the Anthropic Messages routes (AnthropicError) ' +
        'and the Ollama routes (OllamaError); every error response carries its code in `x-gatehouse-error-code`. ' +
        '`x-gatehouse-permissions` names what RBAC checks.',
    },
    ...(options.publicUrl ? { servers: [{ url: options.publicUrl }] } : {}),
    tags: [...tags].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
    paths: sortedPaths,
    components: {
      schemas: {
        Error: plainSchema(ErrorBodySchema),
        AnthropicError: plainSchema(AnthropicErrorBodySchema),
        OllamaError: plainSchema(OllamaErrorBodySchema),
      },
      responses: {
        Error: errorResponse('An error from the catalog (see the README error table).', 'Error'),
        AnthropicError: errorResponse("An error from the catalog in Anthropic's envelope.", 'AnthropicError'),
        OllamaError: errorResponse("An error from the catalog in Ollama's envelope.", 'OllamaError'),
      },
      securitySchemes: Object.fromEntries(Object.values(SECURITY_SCHEMES)),
    },
  };
}
