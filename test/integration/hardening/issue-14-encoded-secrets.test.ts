/**
 * Issue 14, finding 10 ("Encoded secrets are redacted too"): a service that echoed the injected credential
 * base64-encoded or as JSON `\u` escapes handed it to the agent. A fake service here echoes a canary credential in
 * every encoding the issue names, in its body and its headers, alone and inside larger encoded values; the agent
 * must see none of them. The spellings are computed here independently of the gateway's code.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultGateway, type VaultAgent, type VaultGateway } from '../vault/harness.ts';

const CANARY = 'cnry_Zx9/Qv+Lm7=Tk3~Rp8 Ws2&Hd5^';

function spellings(secret: string): Record<string, string> {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  return {
    raw: secret,
    url: encodeURIComponent(secret),
    urlLower: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    form: new URLSearchParams({ v: secret }).toString().slice(2),
    everyByte: [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    hex: bytes.toString('hex'),
    hexUpper: bytes.toString('hex').toUpperCase(),
    base64,
    base64NoPad: base64.replace(/=+$/, ''),
    base64url: bytes.toString('base64url'),
    json: JSON.stringify(secret).slice(1, -1),
    jsonSlash: JSON.stringify(secret).slice(1, -1).replaceAll('/', '\\/'),
    unicode: [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    unicodeUpper: [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join(''),
  };
}

/** The canary inside larger encoded values, at each byte offset modulo 3. */
function embedded(secret: string): Record<string, string> {
  return {
    basic1: Buffer.from(`a:${secret}`).toString('base64'),
    basic2: Buffer.from(`ab:${secret}`).toString('base64'),
    basic3: Buffer.from(`abc:${secret}`).toString('base64'),
    token: Buffer.from(JSON.stringify({ sub: 'x', key: secret })).toString('base64url'),
  };
}

describe('issue 14 finding 10: a canary credential in every encoding never reaches the client', () => {
  let service: Server;
  let gw: VaultGateway;
  let agent: VaultAgent;

  beforeAll(async () => {
    service = createServer((request, response) => {
      const secret = String(request.headers['x-api-key'] ?? '');
      const forms = { ...spellings(secret), ...embedded(secret) };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const [name, value] of Object.entries(forms)) {
        // Header values must be latin1; the raw and JSON forms carry an é, sent as its UTF-8 bytes.
        headers[`x-echo-${name.toLowerCase()}`] = Buffer.from(value, 'utf8').toString('latin1');
      }
      const body = Object.entries(forms)
        .map(([name, value]) => `"${name}": "${value}"`)
        .join(',\n');
      response.writeHead(200, headers).end(`{${body}}`);
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    gw = await startVaultGateway({
      services: [{ id: 'mirror', base_url: origin, auth: { type: 'header', name: 'X-Api-Key' } }],
    });
    await gw.gateway.vault.admin.setCredential('mirror', {}, CANARY);
    agent = await gw.createAgent(['mirror']);
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((resolve) => service?.close(resolve));
  });

  it('masks every spelling in the body and the headers', async () => {
    const result = await gw.call(agent, 'GET', '/vault/mirror/echo');
    expect(result.status).toBe(200);
    const headerText = Object.entries(result.headers)
      .map(([name, value]) => `${name}: ${Buffer.from(String(value), 'latin1').toString('utf8')}`)
      .join('\n');
    for (const [name, form] of Object.entries(spellings(CANARY))) {
      expect(result.text.includes(form), `body holds the ${name} form`).toBe(false);
      expect(headerText.includes(form), `headers hold the ${name} form`).toBe(false);
    }
    // Nothing decodes back to the canary: each base64 run of the body, decoded, lacks it.
    for (const run of `${result.text}\n${headerText}`.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
      const decoded = Buffer.from(run.replaceAll('-', '+').replaceAll('_', '/'), 'base64').toString('latin1');
      expect(Buffer.from(decoded, 'latin1').toString('utf8').includes(CANARY)).toBe(false);
    }
    // The echo itself still arrives: every field is there, masked in place.
    expect(Object.keys(JSON.parse(result.text) as object)).toHaveLength(18);
  });

  it('counts the redactions in the audit event', async () => {
    const events = await gw.auditEvents();
    const event = events.find((candidate) => candidate.surface === 'vault.proxy' && candidate.status === 200);
    expect(Number(event?.meta.redactions)).toBeGreaterThanOrEqual(18);
  });
});
