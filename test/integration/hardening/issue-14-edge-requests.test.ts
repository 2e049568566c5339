/**
 * Issue 14, finding 6: requests refused before any route ran left no audit event and got a foreign error shape
 * (Fastify's `FST_ERR_BAD_URL`, its 414, Node's `{"error":"Bad Request","message":"Client Error"}`, a 431), and
 * CONNECT was closed unanswered. Each now gets the catalog's shape and exactly one audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { rawRequest } from '../../helpers/raw-http.ts';

const ERROR_KEYS = ['code', 'message', 'param', 'type'];

describe('issue 14 finding 6: one error shape and one audit event before routing', () => {
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    gw = await startGateway();
    port = Number(new URL(gw.baseUrl).port);
  });
  afterAll(() => gw?.dispose());

  async function eventsOf(requestId: string) {
    return eventually(async () => {
      const events = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
      return events.length > 0 ? events : undefined;
    });
  }

  it.each([
    [
      'a bad percent-escape',
      'GET /vault/%zz/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      400,
      'invalid_path',
      '__unmatched__',
    ],
    [
      'a traversal probe with a bad escape',
      'GET /vault/svc/..%c0%af../etc HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      400,
      'invalid_path',
      '__unmatched__',
    ],
    [
      'an over-long path parameter',
      `GET /v1/models/${'m'.repeat(1000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
      414,
      'path_parameter_too_long',
      '__unmatched__',
    ],
    ['an unknown method', 'FOO / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'malformed_request', '__malformed__'],
    ['a method with spaces', 'G E T / HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'malformed_request', '__malformed__'],
    [
      'a NUL in a header',
      'GET / HTTP/1.1\r\nHost: a\r\nX-Probe: a\0b\r\n\r\n',
      400,
      'malformed_request',
      '__malformed__',
    ],
    [
      'raw non-ASCII in the path',
      Buffer.concat([
        Buffer.from('GET /vault/'),
        Buffer.from([0xc3, 0xa9, 0x00]),
        Buffer.from(' HTTP/1.1\r\nHost: a\r\n\r\n'),
      ]),
      400,
      'malformed_request',
      '__malformed__',
    ],
    [
      'headers over 16 KB',
      `GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
      '__malformed__',
    ],
    [
      'CONNECT',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      405,
      'method_not_allowed',
      '__unmatched__',
    ],
  ] as const)('%s: the one error shape, audited once', async (_name, data, status, code, surface) => {
    const reply = await rawRequest(port, data);
    expect(reply.status).toBe(status);
    const body = JSON.parse(reply.body) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(ERROR_KEYS);
    expect(body.error.code).toBe(code);
    const requestId = reply.headers['x-gatehouse-request-id'] as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const events = await eventsOf(requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status, error_code: code, surface, outcome: 'client_error', principal: null });
  });

  it('a parser rejection closes the connection (the stream position is lost)', async () => {
    const reply = await rawRequest(port, 'FOO / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(reply.headers.connection).toBe('close');
    expect(reply.closed).toBe(true);
  });

  it('records the parser reason and the source address, never the raw request line', async () => {
    const reply = await rawRequest(port, 'G E T /secret-probe HTTP/1.1\r\nHost: a\r\n\r\n');
    const [event] = await eventsOf(reply.headers['x-gatehouse-request-id'] as string);
    expect(event?.meta).toEqual({ parse_error: 'HPE_INVALID_METHOD', source_address: '127.0.0.1' });
    expect(event?.path).toBe('/__malformed__');
    expect(JSON.stringify(event)).not.toContain('secret-probe');
  });
});
