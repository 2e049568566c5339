import { useState } from 'preact/hooks';
import { type Answer, api, must } from '../api.ts';
import { navigate, setParams } from '../router.ts';
import { useScope, useSession } from '../scope.tsx';
import { can, teamScope, tenantScope } from '../session.ts';
import { ActionForm, Dialog, ErrorNote, Field, formatTime, Section, Select, Table, useLoad } from '../ui.tsx';

type Team = Answer<'admin.teams.list'>['data'][number];

function describeLimits(settings: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const group of ['limits', 'budgets'] as const) {
    const values = settings[group];
    if (values && typeof values === 'object') {
      for (const [name, value] of Object.entries(values)) if (typeof value === 'number') parts.push(`${name} ${value}`);
    }
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function CreateNamed(props: { title: string; label: string; create(name: string): Promise<void>; onClose(): void }) {
  const [name, setName] = useState('');
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <ActionForm
        submit="Create"
        action={async () => {
          await props.create(name);
          props.onClose();
        }}
      >
        <Field label={props.label} name="new-name" value={name} onInput={setName} required hint="1–64 characters" />
      </ActionForm>
    </Dialog>
  );
}

function TeamLimits(props: { tenantId: string; team: Team; onClose(): void; onSaved(): void }) {
  const settings = props.team.settings as { limits?: Record<string, number>; budgets?: Record<string, number> };
  const [rpm, setRpm] = useState(String(settings.limits?.rpm ?? ''));
  const [usdMonthly, setUsdMonthly] = useState(String(settings.budgets?.usd_monthly ?? ''));
  return (
    <Dialog title={`Limits of team ${props.team.name}`} onClose={props.onClose}>
      <ActionForm
        submit="Save"
        action={async () => {
          await must(
            api.PUT('/admin/v1/tenants/{tenant_id}/teams/{team_id}/limits', {
              params: { path: { tenant_id: props.tenantId, team_id: props.team.id } },
              body: {
                limits: rpm.trim() ? { ...settings.limits, rpm: Number(rpm) } : { ...settings.limits, rpm: undefined },
                budgets: usdMonthly.trim()
                  ? { ...settings.budgets, usd_monthly: Number(usdMonthly) }
                  : { ...settings.budgets, usd_monthly: undefined },
              },
            }),
          );
          props.onSaved();
          props.onClose();
        }}
      >
        <Field label="Requests per minute (whole team)" name="team-rpm" type="number" value={rpm} onInput={setRpm} />
        <Field
          label="USD budget per UTC month"
          name="team-usd"
          type="number"
          value={usdMonthly}
          onInput={setUsdMonthly}
        />
      </ActionForm>
    </Dialog>
  );
}

export function TenantsPage() {
  const session = useSession();
  const scope = useScope();
  const [open, setOpen] = useState<'tenant' | 'team' | Team | null>(null);
  const tenants = useLoad(
    async () =>
      can(session, 'admin.tenants.read', 'platform')
        ? (await must(api.GET('/admin/v1/tenants', { params: { query: { limit: 1000 } } }))).data
        : null,
    [],
  );
  const teams = useLoad(
    async () =>
      scope.tenantId && can(session, 'admin.teams.read', tenantScope(scope.tenantId))
        ? (
            await must(
              api.GET('/admin/v1/tenants/{tenant_id}/teams', {
                params: { path: { tenant_id: scope.tenantId }, query: { limit: 1000 } },
              }),
            )
          ).data
        : null,
    [scope.tenantId],
  );
  const reload = () => {
    tenants.reload();
    teams.reload();
    scope.reload();
  };
  return (
    <>
      <h1 tabIndex={-1}>Tenants and teams</h1>
      <ErrorNote error={tenants.error ?? teams.error} />
      {tenants.data !== null ? (
        <Section
          title="Tenants"
          actions={
            can(session, 'admin.tenants.write', 'platform') ? (
              <button type="button" class="primary" onClick={() => setOpen('tenant')}>
                Create tenant
              </button>
            ) : null
          }
        >
          <Table
            caption="Tenants"
            rows={tenants.data}
            columns={[
              {
                label: 'Name',
                cell: (t) => (
                  <button type="button" class="link" onClick={() => setParams({ tenant: t.id, team: null })}>
                    {t.name}
                  </button>
                ),
              },
              { label: 'Limits and budgets', cell: (t) => describeLimits(t.settings) },
              { label: 'Created', cell: (t) => formatTime(t.created_at) },
            ]}
          />
        </Section>
      ) : null}
      {scope.tenants.length > 0 ? (
        <Section
          title="Teams"
          actions={
            scope.tenantId && can(session, 'admin.teams.write', tenantScope(scope.tenantId)) ? (
              <button type="button" class="primary" onClick={() => setOpen('team')}>
                Create team
              </button>
            ) : null
          }
        >
          <Select
            label="Tenant"
            name="teams-tenant"
            value={scope.tenantId}
            options={scope.tenants.map((t) => ({ value: t.id, label: t.name }))}
            onChange={(value) => setParams({ tenant: value, team: null })}
          />
          <Table<Team>
            caption="Teams of the tenant"
            rows={
              teams.data ??
              scope.teams.map((t) => ({
                ...t,
                object: 'team',
                tenant_id: scope.tenantId,
                settings: {},
                created_at: '',
              }))
            }
            columns={[
              { label: 'Team', cell: (t) => t.name },
              { label: 'Limits and budgets', cell: (t) => describeLimits(t.settings) },
              {
                label: 'Actions',
                cell: (t) => (
                  <div class="row-actions">
                    <button type="button" onClick={() => navigate('keys', { tenant: scope.tenantId, team: t.id })}>
                      Keys
                    </button>
                    {can(session, 'admin.teams.write', teamScope(scope.tenantId, t.id)) ? (
                      <button type="button" onClick={() => setOpen(t)}>
                        Limits
                      </button>
                    ) : null}
                  </div>
                ),
              },
            ]}
          />
        </Section>
      ) : null}
      {open === 'tenant' ? (
        <CreateNamed
          title="Create a tenant"
          label="Tenant name"
          onClose={() => setOpen(null)}
          create={async (name) => {
            const tenant = await must(api.POST('/admin/v1/tenants', { body: { name } }));
            setParams({ tenant: tenant.id, team: null });
            reload();
          }}
        />
      ) : null}
      {open === 'team' ? (
        <CreateNamed
          title="Create a team"
          label="Team name"
          onClose={() => setOpen(null)}
          create={async (name) => {
            await must(
              api.POST('/admin/v1/tenants/{tenant_id}/teams', {
                params: { path: { tenant_id: scope.tenantId } },
                body: { name },
              }),
            );
            reload();
          }}
        />
      ) : null}
      {open !== null && typeof open === 'object' ? (
        <TeamLimits tenantId={scope.tenantId} team={open} onClose={() => setOpen(null)} onSaved={reload} />
      ) : null}
    </>
  );
}
