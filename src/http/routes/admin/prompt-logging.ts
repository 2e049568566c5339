/**
 * @module Prompt-log opt-in through the admin API: a team's switch (`PUT …/teams/{team_id}/prompt-log`), and the
 * check every route taking a `prompt_log` setting shares (key create and update too). A TTL the operator's cap
 * would silently shorten is refused, so what an admin reads back is what applies.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { describeTeam } from '../../../identity/index.ts';
import { promptLogTtlProblem } from '../../../prompt-log/index.ts';
import { scopeSettingsRepository, tenantsRepository } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { TeamView } from './responses.ts';
import { PromptLogSetting, TeamParams } from './schemas.ts';

/** The operator's cap in seconds; 0 (prompt logging off) in apps built without a prompt log. */
export function promptLogCap(deps: AdminRoutesDeps): number {
  return deps.promptLogs?.maxTtlS ?? 0;
}

/** Refuses a `ttl_s` the opt-in cannot take (see `promptLogTtlProblem`); `param` names it in the error. */
export function checkPromptLogSetting(
  setting: Static<typeof PromptLogSetting> | null | undefined,
  maxTtlS: number,
  param: string,
): void {
  if (setting === undefined || setting === null) return;
  const problem = promptLogTtlProblem(setting.ttl_s, maxTtlS);
  if (problem !== null) throw httpError('invalid_request', { detail: `${param} ${problem}` }, param);
}

/** Key settings as stored: a member given as null (`"prompt_log": null`, follow the team) is removed. */
export function withoutNulls(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== null));
}

export async function promptLoggingRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { store } = deps;

  app.put<{ Params: Static<typeof TeamParams>; Body: Static<typeof PromptLogSetting> }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id/prompt-log',
    {
      config: { surface: 'admin.teams.prompt_log' },
      schema: { params: TeamParams, body: PromptLogSetting, response: { 200: TeamView } },
    },
    async (request) => {
      checkPromptLogSetting(request.body, promptLogCap(deps), 'ttl_s');
      const team = await tenantsRepository.findTeam(store.write, request.params.tenant_id, request.params.team_id);
      const ttl = request.body.ttl_s;
      await scopeSettingsRepository.updateSettings(store.write, 'teams', team.id, (current) => {
        const { prompt_log: _previous, ...rest } = current;
        return ttl === 0 ? rest : { ...rest, prompt_log: { ttl_s: ttl } };
      });
      // This instance applies it to the next call at once; the others on their next snapshot poll (≤ 1 s).
      await deps.refreshSnapshots();
      return describeTeam(await tenantsRepository.findTeam(store.write, team.tenantId, team.id));
    },
  );
}
