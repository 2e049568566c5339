import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../../domain/keys/index.ts';
import { describeKey, describeTeam, describeTenant } from '../../../identity/index.ts';
import { keysRepository, scopeSettingsRepository, tenantsRepository } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import { ListQuerySchema, paginate, withIdempotency } from './common.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { checkPromptLogSetting, promptLogCap, withoutNulls } from './prompt-logging.ts';
import { IssuedKeyView, KeyView, ListOf, TeamView, TenantView } from './responses.ts';
import { CreateKeyBody, CreateNamedBody, ScopeLimitsBody, TeamParams, TenantParams } from './schemas.ts';

type ListQuery = { limit?: number; cursor?: string };

export function durationMs(field: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseDuration(value);
  if (ms === null) throw httpError('invalid_request', { detail: `${field} is not a duration` }, field);
  return ms;
}

/** Tenants, teams and the keys of a team. */
export async function tenantRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { identity, store } = deps;

  app.get<{ Querystring: ListQuery }>(
    '/admin/v1/tenants',
    {
      config: { surface: 'admin.tenants.list' },
      schema: { querystring: ListQuerySchema, response: { 200: ListOf(TenantView) } },
    },
    async (request) => {
      const page = paginate(await identity.listTenants(), (t) => t.id, request.query);
      return { ...page, data: page.data.map(describeTenant) };
    },
  );

  app.post<{ Body: Static<typeof CreateNamedBody> }>(
    '/admin/v1/tenants',
    { config: { surface: 'admin.tenants.create' }, schema: { body: CreateNamedBody, response: { 201: TenantView } } },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const tenant = await identity.createTenant(request.body.name);
        await deps.refreshSnapshots();
        return { status: 201, body: describeTenant(tenant) };
      }),
  );

  app.get<{ Params: Static<typeof TenantParams> }>(
    '/admin/v1/tenants/:tenant_id',
    { config: { surface: 'admin.tenants.get' }, schema: { params: TenantParams, response: { 200: TenantView } } },
    async (request) => describeTenant(await tenantsRepository.findTenant(store.read, request.params.tenant_id)),
  );

  /** Limits and budgets replace the previous ones wholesale; other settings of the tenant or team are kept. */
  function replaceLimits(body: Static<typeof ScopeLimitsBody>) {
    return (current: Record<string, unknown>) => {
      const { limits: _limits, budgets: _budgets, ...rest } = current;
      return {
        ...rest,
        ...(body.limits ? { limits: body.limits } : {}),
        ...(body.budgets ? { budgets: body.budgets } : {}),
      };
    };
  }

  app.put<{ Params: Static<typeof TenantParams>; Body: Static<typeof ScopeLimitsBody> }>(
    '/admin/v1/tenants/:tenant_id/limits',
    {
      config: { surface: 'admin.tenants.limits' },
      schema: { params: TenantParams, body: ScopeLimitsBody, response: { 200: TenantView } },
    },
    async (request) => {
      await scopeSettingsRepository.updateSettings(
        store.write,
        'tenants',
        request.params.tenant_id,
        replaceLimits(request.body),
      );
      await deps.refreshSnapshots();
      return describeTenant(await tenantsRepository.findTenant(store.write, request.params.tenant_id));
    },
  );

  app.put<{ Params: Static<typeof TeamParams>; Body: Static<typeof ScopeLimitsBody> }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id/limits',
    {
      config: { surface: 'admin.teams.limits' },
      schema: { params: TeamParams, body: ScopeLimitsBody, response: { 200: TeamView } },
    },
    async (request) => {
      const team = await tenantsRepository.findTeam(store.write, request.params.tenant_id, request.params.team_id);
      await scopeSettingsRepository.updateSettings(store.write, 'teams', team.id, replaceLimits(request.body));
      await deps.refreshSnapshots();
      return describeTeam(await tenantsRepository.findTeam(store.write, team.tenantId, team.id));
    },
  );

  app.get<{ Params: Static<typeof TenantParams>; Querystring: ListQuery }>(
    '/admin/v1/tenants/:tenant_id/teams',
    {
      config: { surface: 'admin.teams.list' },
      schema: { params: TenantParams, querystring: ListQuerySchema, response: { 200: ListOf(TeamView) } },
    },
    async (request) => {
      const page = paginate(await identity.listTeams(request.params.tenant_id), (t) => t.id, request.query);
      return { ...page, data: page.data.map(describeTeam) };
    },
  );

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof CreateNamedBody> }>(
    '/admin/v1/tenants/:tenant_id/teams',
    {
      config: { surface: 'admin.teams.create' },
      schema: { params: TenantParams, body: CreateNamedBody, response: { 201: TeamView } },
    },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const team = await identity.createTeam(request.params.tenant_id, request.body.name);
        await deps.refreshSnapshots();
        return { status: 201, body: describeTeam(team) };
      }),
  );

  app.get<{ Params: Static<typeof TeamParams> }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id',
    { config: { surface: 'admin.teams.get' }, schema: { params: TeamParams, response: { 200: TeamView } } },
    async (request) =>
      describeTeam(await tenantsRepository.findTeam(store.read, request.params.tenant_id, request.params.team_id)),
  );

  app.get<{ Params: Static<typeof TeamParams>; Querystring: ListQuery }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id/keys',
    {
      config: { surface: 'admin.keys.list' },
      schema: { params: TeamParams, querystring: ListQuerySchema, response: { 200: ListOf(KeyView) } },
    },
    async (request) => {
      const { tenant_id, team_id } = request.params;
      await tenantsRepository.findTeam(store.read, tenant_id, team_id);
      const page = paginate(await keysRepository.listKeys(store.read, tenant_id, team_id), (k) => k.id, request.query);
      return { ...page, data: page.data.map(describeKey) };
    },
  );

  app.post<{ Params: Static<typeof TeamParams>; Body: Static<typeof CreateKeyBody> }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id/keys',
    {
      config: { surface: 'admin.keys.create' },
      schema: { params: TeamParams, body: CreateKeyBody, response: { 201: IssuedKeyView } },
    },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        checkPromptLogSetting(request.body.settings?.prompt_log, promptLogCap(deps), 'settings.prompt_log.ttl_s');
        const issued = await identity.createKey({
          tenant: request.params.tenant_id,
          team: request.params.team_id,
          name: request.body.name,
          expiresInMs: durationMs('expires_in', request.body.expires_in),
          settings: withoutNulls(request.body.settings ?? {}),
        });
        await deps.refreshSnapshots();
        return { status: 201, body: { ...describeKey(issued.record), key: issued.key } };
      }),
  );
}
