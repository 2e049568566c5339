/**
 * @module The calls in flight on one upstream connection, for what a legacy (2025) server sends outside any
 * response: requests for client input (sampling, elicitation, roots) and log messages. MCP gives such a message
 * no link to the call that caused it (stdio has one stream; the SDK client does not say which HTTP stream it came
 * on), and one upstream connection serves every principal, so guessing could hand one user's call data to
 * another's client. A message is therefore delivered only when exactly one call is in flight; otherwise the
 * request is refused (the server sees a JSON-RPC error) and the log message is dropped.
 */
import { ProtocolError } from '@modelcontextprotocol/client';
import { RpcError } from './errors.ts';
import { type CallSinks, capabilityFor, type JsonObject } from './wire.ts';

/** JSON-RPC internal error: the server may retry or give up, as for any failed request. */
const NO_CALLER = -32603;
/** Method not found: what a client that lacks the capability answers (2025-11-25 basic/lifecycle §Capability Negotiation). */
const NOT_SUPPORTED = -32601;

export class InFlightCalls {
  private readonly calls = new Set<CallSinks>();

  /** Registers a call for the time it runs; the returned function unregisters it. */
  enter(sinks: CallSinks): () => void {
    this.calls.add(sinks);
    return () => {
      this.calls.delete(sinks);
    };
  }

  private only(): CallSinks | null {
    if (this.calls.size !== 1) return null;
    const [call] = this.calls;
    return call ?? null;
  }

  async askFor(server: string, method: string, params: JsonObject): Promise<Record<string, unknown>> {
    const call = this.only();
    const channel = call?.channel ?? null;
    if (channel === null) {
      throw new ProtocolError(NO_CALLER, `${server}: no single caller in flight to answer ${method}`);
    }
    const capability = capabilityFor(method);
    if (capability !== null && channel.capabilities[capability] === undefined) {
      throw new ProtocolError(NOT_SUPPORTED, `the client does not support ${method}`);
    }
    let answers: Record<string, unknown>;
    try {
      answers = await channel.ask({ input: { method, params } });
    } catch (error) {
      if (error instanceof RpcError) throw new ProtocolError(error.code, error.message, error.data);
      throw new ProtocolError(NO_CALLER, `${method} was not answered: ${(error as Error).message}`);
    }
    const answer = answers.input;
    if (typeof answer !== 'object' || answer === null) throw new ProtocolError(NO_CALLER, `no answer to ${method}`);
    return answer as Record<string, unknown>;
  }

  log(params: JsonObject): void {
    this.only()?.log?.(params);
  }
}
