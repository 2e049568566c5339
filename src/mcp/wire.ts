/**
 * @module The JSON-RPC and MCP shapes the gateway relays, kept loose on purpose: a relay passes unknown members
 * through untouched (DESIGN §6), so only the members the gateway reads are typed. Shared by the upstream
 * connections, the relay service and both era adapters.
 */

export type JsonObject = Record<string, unknown>;
export type RequestId = string | number;

/** The protocol eras: `legacy` = 2025-06-18 / 2025-11-25 sessions, `modern` = 2026-07-28 stateless requests. */
export type Era = 'legacy' | 'modern';

export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const MODERN_VERSION = '2026-07-28';

/** Reserved `_meta` keys of 2026-07-28 (basic §_meta). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
  logLevel: 'io.modelcontextprotocol/logLevel',
} as const;

/** MCP log levels, least severe first (the syslog severities of RFC 5424, server/utilities/logging). */
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * Whether a log message of `level` reaches a client that asked for `threshold` and above. A threshold that is
 * not a known level filters nothing, and a message of an unknown level always passes: a relay must not lose a
 * message because a server spelled its level oddly.
 */
export function meetsLogLevel(level: unknown, threshold: unknown): boolean {
  const min = LOG_LEVELS.indexOf(String(threshold));
  const at = LOG_LEVELS.indexOf(String(level));
  return min < 0 || at < 0 || at >= min;
}

/** One request for client input (sampling, elicitation, roots), as an `inputRequests` entry carries it. */
export interface InputRequestSpec {
  method: string;
  params?: JsonObject;
}

/** The server-to-client request methods a gateway relays from an upstream to the client. */
export const CLIENT_INPUT_METHODS = ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const;

/** The client capability each input method needs (2025-11-25 client capabilities). */
export function capabilityFor(method: string): string | null {
  if (method === 'sampling/createMessage') return 'sampling';
  if (method === 'elicitation/create') return 'elicitation';
  if (method === 'roots/list') return 'roots';
  return null;
}

/**
 * Where an upstream's request for client input goes. A legacy edge sends it to the client on the call's own
 * response stream and waits for the client's answer; a modern edge suspends the call and answers the client with
 * an `input_required` result, resuming when the client retries.
 */
export interface ClientInputChannel {
  /** What the client declared it can answer (`sampling`, `elicitation`, `roots`). */
  readonly capabilities: JsonObject;
  ask(requests: Record<string, InputRequestSpec>): Promise<Record<string, unknown>>;
}

/** Where the side effects of one relayed call go while it runs. */
export interface CallSinks {
  signal: AbortSignal | null;
  /** `notifications/progress` params, already re-keyed to the client's progress token by the edge. */
  progress: ((params: JsonObject) => void) | null;
  /** `notifications/message` params that belong to this call. */
  log: ((params: JsonObject) => void) | null;
  channel: ClientInputChannel | null;
}

export const NO_SINKS: CallSinks = { signal: null, progress: null, log: null, channel: null };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An `input_required` result of 2026-07-28 (basic §Multi-Round-Trip Requests). */
export interface InputRequiredResult extends JsonObject {
  resultType: 'input_required';
  inputRequests?: Record<string, InputRequestSpec>;
  requestState?: string;
}

export function isInputRequired(result: unknown): result is InputRequiredResult {
  return isObject(result) && result.resultType === 'input_required';
}
