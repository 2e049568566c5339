/**
 * @module What a dialect is (DESIGN §2, "The route boundary and dialects"): one object per wire family a client
 * or an upstream speaks, with its operations, body schemas, the parse that turns a validated body into the typed
 * call, the plan that carries a call out on an upstream of any dialect, its usage reader and its error envelope.
 */
import type { TSchema } from '@sinclair/typebox';
import type {
  Dialect,
  JsonObject,
  LlmOperation,
  OperationOf,
  PlanOptions,
  TranslateContext,
  UpstreamCallPlan,
  Usage,
} from '../../domain/routing/index.ts';
import type { CallPlanner, CallSignal, LlmCall } from '../../providers/index.ts';
import type { OutboundTrace } from '../../telemetry/index.ts';

/** Request headers as Node parses them (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A body that fails its schema; `param` names the field (`messages.0.role`), null for the whole body. */
export class InvalidBodyError extends Error {
  readonly param: string | null;
  readonly detail: string;

  constructor(detail: string, param: string | null = null) {
    super(detail);
    this.name = 'InvalidBodyError';
    this.detail = detail;
    this.param = param;
  }
}

/** One operation a dialect serves to clients. */
export interface OperationSpec {
  /** The route that serves it and the surface registry entry that route implements. */
  readonly path: string;
  readonly surface: string;
  /** The request body as the gateway checks it; fields it does not name pass through untouched. */
  readonly schema: TSchema;
  /** `embeddings` operations produce no output tokens and never stream. */
  readonly produces: 'text' | 'embeddings';
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The HTTP header that names the model when the body does not, or overrides it (routers that only see headers). */
export const MODEL_HEADER = 'x-gatehouse-model';

/**
 * The typed call, built once at the route boundary from a validated body, before admission: admission, the
 * router, settle and audit read it and never re-read the body. It is the router's `LlmCall` too.
 */
export class ClientCall implements LlmCall {
  /** The client's dialect: how this call is carried out on an upstream of any dialect. */
  readonly planner: CallPlanner;
  readonly operation: LlmOperation;
  /** The public model as routed: the `x-gatehouse-model` header wins over the body; resolved before admission. */
  model: string;
  readonly body: JsonObject;
  /** The body's bytes as sent, kept only by dialects that pass them through unchanged (Anthropic). */
  rawBody: Buffer | null = null;
  /** The dialect's protocol headers as the client sent them (`anthropic-version`, `anthropic-beta`). */
  protocolHeaders: Readonly<Record<string, string>> = NO_HEADERS;
  readonly stream: boolean;
  readonly promptTokens: number;
  /** The output ceiling per choice the body names; null when none (the default applies); 0 for embeddings. */
  readonly maxOutputTokens: number | null;
  readonly choices: number;
  requestId = '';
  signal: CallSignal | undefined = undefined;
  /** The caller's tenant, set by the route: whose turn the call waits for on a saturated upstream. */
  tenant: string | null = null;
  /** The request's trace, set by the route: each upstream attempt is a client span of it and carries its context. */
  trace: OutboundTrace | null = null;
  /** Whether spans may hold prompt and completion text: set by the route for keys opted in to prompt logging. */
  recordContent = false;

  constructor(
    planner: CallPlanner,
    operation: LlmOperation,
    model: string,
    body: JsonObject,
    stream: boolean,
    estimate: { promptTokens: number; maxOutputTokens: number | null; choices: number },
  ) {
    this.planner = planner;
    this.operation = operation;
    this.model = model;
    this.body = body;
    this.stream = stream;
    this.promptTokens = estimate.promptTokens;
    this.maxOutputTokens = estimate.maxOutputTokens;
    this.choices = estimate.choices;
  }
}

/** The fields every error envelope is rendered from (the catalog entry, resolved). */
export interface ErrorFields {
  status: number;
  type: string;
  code: string;
  message: string;
  param: string | null;
}

/**
 * One wire family. Adding a dialect is one folder `src/llm/dialects/<name>/` whose `index.ts` exports one object
 * implementing this, plus one line in `registry.ts`; the registry's type then requires every operation of the
 * new `Dialect` id to be declared, and every `switch` over dialects fails to compile until it handles it.
 */
export interface ClientDialect<D extends Dialect = Dialect> extends CallPlanner {
  readonly id: D;
  readonly operations: { readonly [Op in OperationOf<D>]: OperationSpec };
  /** Content type of this dialect's streams. */
  readonly streamContentType: string;
  /**
   * Validates `body` against the operation's schema and builds the call: the model (the header wins), the stream
   * flag, the prompt estimate and the output ceiling. Throws `InvalidBodyError` naming the field at fault.
   */
  parse(operation: OperationOf<D>, body: unknown, headers: RequestHeaders): ClientCall;
  /**
   * What in `call` only an upstream speaking this dialect can serve (state kept upstream, hosted tools), named for
   * the client; null when any upstream can serve it. Checked at the route boundary against the model's targets.
   */
  nativeOnly?(call: ClientCall): string | null;
  /** Carries `call` out on an upstream speaking `upstream`: passthrough when it is this dialect, else translation. */
  planUpstream(call: LlmCall, upstream: Dialect, ctx: TranslateContext, options: PlanOptions): UpstreamCallPlan;
  /** Usage from a JSON reply in this dialect; null when it reports none. */
  readUsage(reply: JsonObject): Usage | null;
  /** The error body clients of this dialect read. */
  errorBody(error: ErrorFields): unknown;
}
