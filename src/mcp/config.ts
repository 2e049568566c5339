/**
 * @module The `mcp:` section of the YAML config and its resolution against the environment. Upstream
 * secrets never sit in the file: header and env values may reference `${ENV_NAME}`, resolved at start (a
 * missing variable is a config error naming it). Capability issuer keys come only from
 * `GATEHOUSE_CAPABILITY_ISSUER_KEYS`. Stdio servers exist only here: an API that registers commands would be
 * remote code execution (reference §A.8).
 */
import { type Static, Type } from '@sinclair/typebox';
import { substituteEnv, substituteEnvAll } from '../config/env-references.ts';
import { ConfigError } from '../config/errors.ts';
import { CapabilityKeyError, parseCapabilityKeys } from '../domain/capabilities/index.ts';
import { SERVER_ID_PATTERN } from '../domain/mcp/index.ts';
import type { UserOAuthSpec } from './user-oauth.ts';
import type { VirtualServerDefinition } from './views.ts';
import { VIRTUAL_NAME_PATTERN, VirtualServerBodySchema } from './virtual-servers.ts';

const EnvMap = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 8192 }));
const HeaderMap = Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 8192 }));

const ServerCommon = {
  id: Type.String({ pattern: SERVER_ID_PATTERN }),
  description: Type.Optional(Type.String({ maxLength: 512 })),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  max_restarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  /** Which protocol era to speak upstream: probe (`auto`, default) or pin 2025 (`legacy`) or 2026-07-28 (`modern`). */
  era: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('legacy'), Type.Literal('modern')])),
};

export const McpStdioServerSchema = Type.Object(
  {
    ...ServerCommon,
    transport: Type.Literal('stdio'),
    command: Type.String({ minLength: 1, maxLength: 1024 }),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
    env: Type.Optional(EnvMap),
    cwd: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** Per-user OAuth: the gateway obtains each user's own token for the upstream (see README, MCP per-user OAuth). */
export const UserOAuthSchema = Type.Object(
  {
    issuer: Type.Optional(Type.String({ pattern: '^https?://' })),
    authorization_endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    token_endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    revocation_endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    client_id: Type.String({ minLength: 1, maxLength: 512 }),
    /** May reference `${ENV_NAME}`; absent for a public client. */
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    scopes: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' }), { maxItems: 64 })),
    /** RFC 8707 resource indicator; the server's URL when absent. */
    resource: Type.Optional(Type.String({ pattern: '^https?://' })),
    /**
     * RFC 8693: exchange the caller's own OIDC access token at the token endpoint for one issued for this server,
     * so a caller with a JWT needs no browser flow. Off by default: the authorization server must trust the
     * gateway's identity provider, and the caller's token leaves the gateway (to that server only).
     */
    token_exchange: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const McpHttpServerSchema = Type.Object(
  {
    ...ServerCommon,
    transport: Type.Union([Type.Literal('streamable_http'), Type.Literal('sse')]),
    url: Type.String({ pattern: '^https?://' }),
    headers: Type.Optional(HeaderMap),
    user_oauth: Type.Optional(UserOAuthSchema),
  },
  { additionalProperties: false },
);

export const McpFileSectionSchema = Type.Object(
  {
    pinning: Type.Optional(Type.Union([Type.Literal('tofu'), Type.Literal('manual')])),
    stdio_allowed_commands: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 })),
    call_timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    max_argument_bytes: Type.Optional(Type.Integer({ minimum: 2, maximum: 16 * 1024 * 1024 })),
    allowed_origins: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }))),
    allowed_hosts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    resource_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    authorization_servers: Type.Optional(Type.Array(Type.String({ pattern: '^https://' }))),
    /** The gateway's public URL of `/mcp/oauth/callback`, registered at each per-user server's authorization server. */
    oauth_redirect_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    capabilities: Type.Optional(
      Type.Object(
        {
          audience: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          max_lifetime_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
          clock_skew_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
    servers: Type.Optional(Type.Array(Type.Union([McpStdioServerSchema, McpHttpServerSchema]), { maxItems: 256 })),
    virtual_servers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: VIRTUAL_NAME_PATTERN }),
            description: Type.Optional(Type.String({ maxLength: 512 })),
            members: VirtualServerBodySchema.properties.members,
          },
          { additionalProperties: false },
        ),
        { maxItems: 256 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type McpFileSection = Static<typeof McpFileSectionSchema>;

export interface StdioServerSpec {
  id: string;
  description: string;
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  timeoutMs: number;
  maxRestarts: number;
  era: UpstreamEra;
}

export type UpstreamEra = 'auto' | 'legacy' | 'modern';

export interface HttpServerSpec {
  id: string;
  description: string;
  transport: 'streamable_http' | 'sse';
  url: string;
  headers: Record<string, string>;
  userOAuth: UserOAuthSpec | null;
  timeoutMs: number;
  maxRestarts: number;
  era: UpstreamEra;
}

export type McpServerSpec = StdioServerSpec | HttpServerSpec;

export interface McpConfig {
  pinning: 'tofu' | 'manual';
  stdioAllowedCommands: string[];
  callTimeoutMs: number;
  maxArgumentBytes: number;
  allowedOrigins: string[];
  allowedHosts: string[];
  resourceUrl: string | null;
  authorizationServers: string[];
  oauthRedirectUrl: string | null;
  capabilities: { audience: string; maxLifetimeSeconds: number; clockSkewSeconds: number; issuerKeys: string | null };
  servers: McpServerSpec[];
  virtualServers: VirtualServerDefinition[];
}

function checkIssuerKeys(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  try {
    parseCapabilityKeys(value);
  } catch (error) {
    if (error instanceof CapabilityKeyError) throw new ConfigError('GATEHOUSE_CAPABILITY_ISSUER_KEYS', error.message);
    throw error;
  }
  return value;
}

/** What the rest of the configuration offers the `mcp:` section. */
export interface McpConfigContext {
  /** Whether callers may authenticate with OIDC JWTs (the `oidc:` section): only they carry a token to exchange. */
  oidc: boolean;
}

function resolveUserOAuth(
  section: Static<typeof UserOAuthSchema> | undefined,
  url: string,
  env: NodeJS.ProcessEnv,
  field: string,
  context: McpConfigContext,
): UserOAuthSpec | null {
  if (!section) return null;
  if (!section.issuer && !(section.authorization_endpoint && section.token_endpoint))
    throw new ConfigError(field, 'set issuer, or both authorization_endpoint and token_endpoint');
  if (section.token_exchange && !context.oidc)
    throw new ConfigError(
      `${field}.token_exchange`,
      'needs the oidc section: only a caller authenticated with an OIDC token has a token to exchange',
    );
  return {
    issuer: section.issuer ?? null,
    authorizationEndpoint: section.authorization_endpoint ?? null,
    tokenEndpoint: section.token_endpoint ?? null,
    revocationEndpoint: section.revocation_endpoint ?? null,
    clientId: section.client_id,
    clientSecret: section.client_secret === undefined ? null : substituteEnv(section.client_secret, env, field),
    scopes: section.scopes ?? [],
    resource: section.resource ?? url,
    tokenExchange: section.token_exchange ?? false,
  };
}

/** Per-user OAuth needs a callback the authorization server redirects the browser to. */
function redirectUrl(file: McpFileSection, servers: McpServerSpec[]): string | null {
  const needed = servers.some((server) => server.transport !== 'stdio' && server.userOAuth !== null);
  if (needed && !file.oauth_redirect_url)
    throw new ConfigError('mcp.oauth_redirect_url', 'servers with user_oauth need the gateway callback URL');
  return file.oauth_redirect_url ?? null;
}

export function resolveMcpConfig(
  section: McpFileSection | undefined,
  env: NodeJS.ProcessEnv,
  context: McpConfigContext = { oidc: false },
): McpConfig {
  const file = section ?? {};
  const callTimeoutMs = file.call_timeout_ms ?? 30_000;
  const allowed = file.stdio_allowed_commands ?? [];
  const ids = new Set<string>();
  const servers = (file.servers ?? []).map((server, index): McpServerSpec => {
    const field = `mcp.servers.${index}`;
    if (ids.has(server.id)) throw new ConfigError(`${field}.id`, `duplicate server id ${server.id}`);
    ids.add(server.id);
    const common = {
      id: server.id,
      description: server.description ?? '',
      timeoutMs: server.timeout_ms ?? callTimeoutMs,
      maxRestarts: server.max_restarts ?? 5,
      era: server.era ?? 'auto',
    };
    if (server.transport === 'stdio') {
      if (!allowed.includes(server.command)) {
        throw new ConfigError(`${field}.command`, `${server.command} is not in mcp.stdio_allowed_commands`);
      }
      return {
        ...common,
        transport: 'stdio',
        command: server.command,
        args: server.args ?? [],
        env: substituteEnvAll(server.env, env, `${field}.env`),
        cwd: server.cwd ?? null,
      };
    }
    return {
      ...common,
      transport: server.transport,
      url: server.url,
      headers: substituteEnvAll(server.headers, env, `${field}.headers`),
      userOAuth: resolveUserOAuth(server.user_oauth, server.url, env, `${field}.user_oauth`, context),
    };
  });
  return {
    pinning: file.pinning ?? 'tofu',
    stdioAllowedCommands: allowed,
    callTimeoutMs,
    maxArgumentBytes: file.max_argument_bytes ?? 64 * 1024,
    allowedOrigins: file.allowed_origins ?? [],
    allowedHosts: (file.allowed_hosts ?? []).map((host) => host.toLowerCase()),
    resourceUrl: file.resource_url ?? null,
    authorizationServers: file.authorization_servers ?? [],
    oauthRedirectUrl: redirectUrl(file, servers),
    capabilities: {
      audience: file.capabilities?.audience ?? 'gatehouse',
      maxLifetimeSeconds: file.capabilities?.max_lifetime_seconds ?? 300,
      clockSkewSeconds: file.capabilities?.clock_skew_seconds ?? 30,
      issuerKeys: checkIssuerKeys(env.GATEHOUSE_CAPABILITY_ISSUER_KEYS),
    },
    servers,
    virtualServers: (file.virtual_servers ?? []).map((entry) => ({
      name: entry.name,
      description: entry.description ?? '',
      members: entry.members,
    })),
  };
}
