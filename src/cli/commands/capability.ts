import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import {
  type CapabilityClaims,
  CapabilityClaimsSchema,
  ed25519Thumbprint,
  signCapability,
} from '../../domain/capabilities/index.ts';
import { type ArgPredicate, canonicalSha256 } from '../../domain/mcp/index.ts';
import { CliError, type CliIo } from '../run.ts';

interface SignOptions {
  key: string;
  kid?: string;
  iss: string;
  sub: string;
  aud: string;
  server: string;
  tool: string;
  toolSha256: string;
  args?: string;
  match?: string;
  ttl: string;
  maxUses: string;
  jti?: string;
}

function loadPrivateKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--key ${path}: ${(error as Error).message}`, 2);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CliError('--key must be an Ed25519 private key (PEM PKCS#8)', 2);
  return key;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${flag} is not valid JSON`, 2);
  }
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new CliError(`${flag} must be ${min}-${max}`, 2);
  return Number(text);
}

/**
 * `gatehouse capability sign`: mints a capability for development and tests. A production supervisor signs with
 * its own tooling and key custody; this command only needs the private key file and prints the token.
 */
export function registerCapabilityCommands(program: Command, io: CliIo): void {
  const capability = program
    .command('capability')
    .description('Signed capabilities for guarded MCP tools (dev/testing)');
  capability
    .command('sign')
    .description('Mint an Ed25519 capability (JWS) from a private key file and print it')
    .requiredOption('--key <file>', 'Ed25519 private key, PEM (openssl genpkey -algorithm ed25519)')
    .option('--kid <kid>', 'key id (default: the RFC 7638 thumbprint of the public key)')
    .option('--iss <issuer>', 'issuer name', 'supervisor')
    .requiredOption('--sub <principal>', 'the key id (principal) allowed to use it')
    .option('--aud <audience>', 'the gateway audience (mcp.capabilities.audience)', 'gatehouse')
    .requiredOption('--server <id>', 'MCP server id')
    .requiredOption('--tool <name>', 'tool name on that server')
    .requiredOption('--tool-sha256 <hex>', 'the pinned definition (sha256 from GET /mcp/v1/servers/{id}/tools)')
    .option('--args <json>', 'bind to exactly these arguments (hashed as RFC 8785 canonical JSON)')
    .option('--match <json>', 'or bind to predicates: [{"path":"/a","op":"lte","value":10}]')
    .option('--ttl <seconds>', 'lifetime in seconds', '60')
    .option('--max-uses <n>', 'uses allowed', '1')
    .option('--jti <id>', 'token id (default: a random UUID)')
    .action(async (options: SignOptions) => {
      if ((options.args === undefined) === (options.match === undefined))
        throw new CliError('give exactly one of --args or --match', 2);
      const privateKey = loadPrivateKey(options.key);
      const now = Math.floor(Date.now() / 1000);
      const claims: CapabilityClaims = {
        iss: options.iss,
        sub: options.sub,
        aud: options.aud,
        server: options.server,
        tool: options.tool,
        tool_sha256: options.toolSha256,
        args:
          options.args !== undefined
            ? { sha256: canonicalSha256(parseJson('--args', options.args)) }
            : { match: parseJson('--match', options.match as string) as ArgPredicate[] },
        nbf: now,
        exp: now + wholeNumber('--ttl', options.ttl, 1, 86_400),
        jti: options.jti ?? randomUUID(),
        max_uses: wholeNumber('--max-uses', options.maxUses, 1, 100),
      };
      const first = Value.Errors(CapabilityClaimsSchema, claims).First();
      if (first) throw new CliError(`invalid claims: ${first.path || 'claims'} ${first.message}`, 2);
      const kid = options.kid ?? ed25519Thumbprint(createPublicKey(privateKey));
      io.out(await signCapability(claims, privateKey, kid));
    });
}
