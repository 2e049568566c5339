/**
 * @module The tenant and team a page works on, chosen once in the header's picker and kept in the URL. A platform
 * admin picks among every tenant; a scoped admin among the tenants and teams its bindings name.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, must } from './api.ts';
import { setParams, useRoute } from './router.ts';
import { can, grantedScopes, type SessionShape, tenantScope } from './session.ts';
import { Select, useLoad } from './ui.tsx';

export interface Named {
  id: string;
  name: string;
}

export interface Scope {
  tenants: Named[];
  teams: Named[];
  tenantId: string;
  teamId: string;
}

export const SessionContext = createContext<SessionShape | null>(null);

export function useSession(): SessionShape {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('no session');
  return session;
}

async function loadTenants(session: SessionShape): Promise<Named[]> {
  if (can(session, 'admin.tenants.read', 'platform')) {
    const page = await must(api.GET('/admin/v1/tenants', { params: { query: { limit: 1000 } } }));
    return page.data.map((t) => ({ id: t.id, name: t.name }));
  }
  const ids = [...new Set(grantedScopes(session).map((s) => s.tenantId))];
  return Promise.all(
    ids.map(async (id) => {
      if (!can(session, 'admin.tenants.read', tenantScope(id))) return { id, name: `tenant ${id.slice(0, 8)}…` };
      const tenant = await must(api.GET('/admin/v1/tenants/{tenant_id}', { params: { path: { tenant_id: id } } }));
      return { id, name: tenant.name };
    }),
  );
}

async function loadTeams(session: SessionShape, tenantId: string): Promise<Named[]> {
  if (tenantId === '') return [];
  if (can(session, 'admin.teams.read', tenantScope(tenantId))) {
    const page = await must(
      api.GET('/admin/v1/tenants/{tenant_id}/teams', {
        params: { path: { tenant_id: tenantId }, query: { limit: 1000 } },
      }),
    );
    return page.data.map((t) => ({ id: t.id, name: t.name }));
  }
  const ids = grantedScopes(session)
    .filter((s) => s.tenantId === tenantId && s.teamId !== null)
    .map((s) => s.teamId as string);
  return Promise.all(
    ids.map(async (id) => {
      const team = await must(
        api.GET('/admin/v1/tenants/{tenant_id}/teams/{team_id}', {
          params: { path: { tenant_id: tenantId, team_id: id } },
        }),
      );
      return { id, name: team.name };
    }),
  );
}

/** The picked tenant and team (the first ones when none is picked yet), with the lists to pick from. */
export function useScope(): Scope & { loading: boolean; error: unknown; reload(): void } {
  const session = useSession();
  const { params } = useRoute();
  const tenants = useLoad(() => loadTenants(session), [session]);
  const tenantId = params.get('tenant') ?? tenants.data?.[0]?.id ?? '';
  const teams = useLoad(() => loadTeams(session, tenantId), [session, tenantId]);
  const teamId = params.get('team') ?? teams.data?.[0]?.id ?? '';
  return {
    tenants: tenants.data ?? [],
    teams: teams.data ?? [],
    tenantId,
    // A team named in the URL is used even when it is not in the list: the API then answers for it (a denial is
    // shown as such, never silently replaced by another team's data).
    teamId,
    loading: tenants.loading || teams.loading,
    error: tenants.error ?? teams.error,
    reload: () => {
      tenants.reload();
      teams.reload();
    },
  };
}

export function ScopePicker(props: { scope: Scope; withTeam?: boolean }) {
  const { scope } = props;
  if (scope.tenants.length === 0) return <p class="muted">No tenant yet: create one on the Tenants page.</p>;
  return (
    <div class="picker">
      <Select
        label="Tenant"
        name="tenant"
        value={scope.tenantId}
        options={scope.tenants.map((t) => ({ value: t.id, label: t.name }))}
        onChange={(value) => setParams({ tenant: value, team: null })}
      />
      {props.withTeam === false ? null : scope.teams.length === 0 ? (
        <p class="muted">No team in this tenant yet.</p>
      ) : (
        <Select
          label="Team"
          name="team"
          value={scope.teamId}
          options={scope.teams.map((t) => ({ value: t.id, label: t.name }))}
          onChange={(value) => setParams({ team: value })}
        />
      )}
    </div>
  );
}
