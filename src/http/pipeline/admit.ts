import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionCall } from '../../admission/index.ts';
import type { RequestContext } from '../context.ts';
import type { Surface } from '../surfaces.ts';
import { refusalError, writeRateHeaders } from './admission-errors.ts';

/** Data plane = surfaces a virtual key may call; admin and ops surfaces are not metered. */
function isDataPlane(surface: Surface): boolean {
  return surface.auth.includes('key');
}

/** The call admission sees: the typed call's model and estimate, or a request count for surfaces without one. */
function admissionCall(context: RequestContext): AdmissionCall | null {
  const { principal, call } = context;
  if (principal === null) return null;
  if (call === null) {
    return {
      requestId: context.requestId,
      principal,
      metering: 'requests',
      model: '',
      promptTokens: 0,
      maxOutputTokens: 0,
      choices: 1,
    };
  }
  return {
    requestId: context.requestId,
    principal,
    metering: 'tokens',
    model: call.model,
    promptTokens: call.promptTokens,
    maxOutputTokens: call.maxOutputTokens,
    choices: call.choices,
    session: typeof context.meta?.session === 'string' ? context.meta.session : '',
  };
}

/**
 * The route boundary, then admission. Runs once the body is parsed and before the handler touches an upstream:
 * a model-call route builds its typed call first (validation, model as routed, allow-list, estimate), so a
 * request refused for its input admits nothing and changes no counter; admission then takes that call.
 */
export async function admitRequest(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const context = request.gh;
  if (context.principal === null) return;
  if (context.buildCall !== null) context.call = await context.buildCall(request);
  if (!isDataPlane(context.surface)) return;
  const call = admissionCall(context);
  if (call === null) return;
  const decision = await this.gatehouse.admission.admit(call);
  if (!decision.admitted) throw refusalError(decision.refusal);
  context.ticket = decision.ticket;
  if (decision.rate !== null) writeRateHeaders(reply, decision.rate);
  context.trace?.endStage('admit');
}
