/**
 * Issue 5: the OpenAPI 3.1 document is generated from the registered routes and the surface registry, and validates.
 * The checker below is structural (OpenAPI 3.1 §4.8): path templates match declared path parameters, operation ids
 * are unique, every `$ref` resolves, security names declared schemes, and every embedded schema compiles as JSON
 * Schema. It also checks coverage: every surface is an operation, with its permissions.
 */
import { Ajv } from 'ajv';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOpenApiPath } from '../../../src/http/openapi/index.ts';
import { SURFACES } from '../../../src/http/surfaces.ts';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

type Json = Record<string, unknown>;

function resolvePointer(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], document);
}

/** Returns every problem found; an empty list means the document passed. */
function checkOpenApi(document: Json): string[] {
  const problems: string[] = [];
  const ajv = new Ajv({ strict: false, validateSchema: true });
  if (document.openapi !== '3.1.0') problems.push('openapi must be 3.1.0');
  const info = document.info as Json | undefined;
  if (typeof info?.title !== 'string' || typeof info?.version !== 'string') problems.push('info.title/version');
  const schemes = ((document.components as Json)?.securitySchemes ?? {}) as Json;
  const operationIds = new Set<string>();
  const walkRefs = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) walkRefs(child, `${where}/${i}`);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && (typeof value !== 'string' || resolvePointer(document, value) === undefined)) {
          problems.push(`${where}: unresolved $ref ${String(value)}`);
        }
        walkRefs(value, `${where}/${key}`);
      }
    }
  };
  walkRefs(document, '#');
  const compile = (schema: unknown, where: string) => {
    try {
      ajv.compile(schema as object);
    } catch (error) {
      problems.push(`${where}: schema does not compile: ${(error as Error).message}`);
    }
  };
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    if (!path.startsWith('/')) problems.push(`${path}: must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'].includes(method)) {
        problems.push(`${where}: not an OpenAPI method`);
      }
      const id = op.operationId as string;
      if (typeof id !== 'string' || operationIds.has(id)) problems.push(`${where}: missing or duplicate operationId`);
      operationIds.add(id);
      const parameters = (op.parameters ?? []) as Json[];
      const pathParams = parameters.filter((p) => p.in === 'path');
      for (const name of templated) {
        const param = pathParams.find((p) => p.name === name);
        if (param?.required !== true) problems.push(`${where}: {${name}} lacks a required path parameter`);
      }
      for (const param of pathParams) {
        if (!templated.includes(param.name as string)) problems.push(`${where}: path parameter ${param.name} unused`);
      }
      const keys = parameters.map((p) => `${p.in}:${p.name}`);
      if (new Set(keys).size !== keys.length) problems.push(`${where}: duplicate parameters`);
      for (const param of parameters) {
        if (!['path', 'query', 'header', 'cookie'].includes(param.in as string)) problems.push(`${where}: bad "in"`);
        compile(param.schema, `${where} parameter ${param.name}`);
      }
      const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      if (body) compile(body['application/json']?.schema, `${where} body`);
      const responses = (op.responses ?? {}) as Record<string, Json>;
      if (Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of Object.entries(responses)) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
        if (typeof response.description !== 'string' && typeof response.$ref !== 'string') {
          problems.push(`${where} ${status}: needs a description or $ref`);
        }
      }
      for (const requirement of (op.security ?? []) as Json[]) {
        for (const name of Object.keys(requirement)) {
          if (!(name in schemes)) problems.push(`${where}: undeclared security scheme ${name}`);
        }
      }
    }
  }
  return problems;
}

describe('OpenAPI 3.1 document and reference page', () => {
  let gw: TestGateway;
  let document: Json;

  beforeAll(async () => {
    gw = await startGateway({ env: { GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.test' } });
    const response = await request(`${gw.baseUrl}/openapi.json`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = (await response.body.json()) as Json;
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  it('validates structurally', () => {
    expect(checkOpenApi(document)).toEqual([]);
    expect(document.servers).toEqual([{ url: 'https://gatehouse.example.test' }]);
  });

  it('the checker catches what it should (it is not vacuous)', () => {
    const broken = structuredClone(document);
    const paths = broken.paths as Record<string, Record<string, Json>>;
    const roles = paths['/admin/v1/roles/{name}'] as Record<string, Json>;
    (roles.put as Json).parameters = [];
    (roles.put as Json).security = [{ basicAuth: [] }];
    (paths['/healthz']?.get as Json).operationId = 'admin.roles.put';
    (paths['/metrics']?.get as Json).responses = { default: { $ref: '#/components/responses/Nope' } };
    expect(checkOpenApi(broken)).toEqual(
      expect.arrayContaining([
        'PUT /admin/v1/roles/{name}: {name} lacks a required path parameter',
        'PUT /admin/v1/roles/{name}: undeclared security scheme basicAuth',
        expect.stringContaining('duplicate operationId'),
        expect.stringContaining('unresolved $ref #/components/responses/Nope'),
      ]),
    );
  });

  it("names each route's error envelope: Anthropic's on /v1/messages, Ollama's on /api/*, the default elsewhere", () => {
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
    const errorOf = (path: string, method: string) => paths[path]?.[method]?.responses.default;
    expect(errorOf('/v1/messages', 'post')).toEqual({ $ref: '#/components/responses/AnthropicError' });
    expect(errorOf('/api/chat', 'post')).toEqual({ $ref: '#/components/responses/OllamaError' });
    expect(errorOf('/v1/chat/completions', 'post')).toEqual({ $ref: '#/components/responses/Error' });
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.AnthropicError).toMatchObject({ required: ['type', 'error'] });
    expect(schemas.OllamaError).toMatchObject({ properties: { error: { type: 'string' } } });
  });

  it('has an operation for every surface, carrying its permissions, scope and auth', () => {
    const operations = new Map<string, Json>();
    for (const item of Object.values(document.paths as Record<string, Record<string, Json>>)) {
      for (const op of Object.values(item)) operations.set(op['x-gatehouse-surface'] as string, op);
    }
    for (const surface of SURFACES) {
      const op = operations.get(surface.id);
      expect(op, surface.id).toBeDefined();
      expect(op?.['x-gatehouse-permissions']).toEqual(surface.permissions);
      expect(op?.['x-gatehouse-scope']).toBe(surface.scope ?? 'principal');
      // The console's session cookie is accepted wherever an admin token is.
      expect((op?.security as unknown[] | undefined)?.length).toBe(
        surface.auth.filter((mode) => mode !== 'none').length + (surface.auth.includes('admin_token') ? 1 : 0),
      );
    }
    const put = (document.paths as Record<string, Record<string, Json>>)['/admin/v1/roles/{name}']?.put as Json;
    expect(put.security).toEqual([{ adminToken: [] }, { oidcJwt: [] }, { consoleSession: [] }]);
    expect(put.parameters).toEqual([
      { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } },
    ]);
    const body = (put.requestBody as { content: Record<string, { schema: Json }> }).content['application/json'];
    expect(body?.schema).toMatchObject({ type: 'object', required: ['permissions'], additionalProperties: false });
    expect(Object.keys(document.paths as Json)).toContain('/mcp/v1/servers/{server}/tools/{tool}:call');
    expect(Object.keys(document.paths as Json)).toContain('/vault/{service}/{wildcard}');
  });

  it('converts fastify route syntax to OpenAPI path templates', () => {
    expect(toOpenApiPath('/v1/models/:model')).toEqual({ path: '/v1/models/{model}', params: ['model'] });
    expect(toOpenApiPath('/x/:tool(^[^/]+)::call')).toEqual({ path: '/x/{tool}:call', params: ['tool'] });
    expect(toOpenApiPath('/vault/:service/*')).toEqual({
      path: '/vault/{service}/{wildcard}',
      params: ['service', 'wildcard'],
    });
  });

  it('serves a self-contained HTML reference at /docs, without credentials', async () => {
    const response = await request(`${gw.baseUrl}/docs`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const html = await response.body.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|\ssrc=|@import|url\(/i);
    const operations = Object.values(document.paths as Record<string, Json>).reduce(
      (count, item) => count + Object.keys(item).length,
      0,
    );
    expect(html.match(/<section class="op"/g)?.length).toBe(operations);
    expect(html).toContain('admin.roles.write');
  });

  it('audits both surfaces like any other request', async () => {
    const events = await gw.auditEvents();
    expect(events.some((e) => e.surface === 'ops.openapi' && e.status === 200)).toBe(true);
    expect(events.some((e) => e.surface === 'ops.docs' && e.status === 200)).toBe(true);
  });
});
