import { useState } from 'preact/hooks';
import { type Answer, api, must } from '../api.ts';
import { DayChart, TokensAndCostChart } from '../chart.tsx';
import { navigate } from '../router.ts';
import { useSession } from '../scope.tsx';
import { can, canAnywhere } from '../session.ts';
import {
  ActionForm,
  Badge,
  type Column,
  Field,
  formatNumber,
  formatUsd,
  OnceSecret,
  Section,
  Table,
  useLoad,
} from '../ui.tsx';
import { daysBetween, perDay, usageReport, utcDay } from '../usage-data.ts';
import { KeyUsageHelp } from './keys.tsx';

type Row = Answer<'admin.usage.read'>['data'][number];
type Upstream = Answer<'admin.llm.upstreams.list'>['data'][number];

/** Pages of 1000 events read per status class: bounds the Overview's cost on a gateway that fails a lot. */
const ERROR_PAGES = 5;

interface ErrorsPerDay {
  total: number;
  /** True when a class had more events than were read: the oldest days then count fewer than happened. */
  capped: boolean;
  count(days: string[], status: '4xx' | '5xx'): number[];
}

/** Audited requests answered 4xx or 5xx since `since` (a UTC day), per UTC day, read with the audit's own filters. */
async function errorsPerDay(since: string): Promise<ErrorsPerDay> {
  const perClass = new Map<string, Map<string, number>>();
  let total = 0;
  let capped = false;
  for (const status of ['4xx', '5xx'] as const) {
    const byDay = new Map<string, number>();
    perClass.set(status, byDay);
    let cursor: string | undefined;
    for (let page = 0; page < ERROR_PAGES; page++) {
      const answer = await must(
        api.GET('/admin/v1/audit', {
          params: { query: { since: `${since}T00:00:00Z`, status, limit: 1000, ...(cursor ? { cursor } : {}) } },
        }),
      );
      for (const event of answer.data) {
        const day = event.ts.slice(0, 10);
        byDay.set(day, (byDay.get(day) ?? 0) + 1);
      }
      total += answer.data.length;
      cursor = answer.next_cursor ?? undefined;
      if (!cursor) break;
      if (page === ERROR_PAGES - 1) capped = true;
    }
  }
  return {
    total,
    capped,
    count: (days, status) => days.map((day) => perClass.get(status)?.get(day) ?? 0),
  };
}

/** From nothing to a working key in one form: a tenant, a team in it and a key for it (shown once). */
function QuickStart(props: { onDone(): void }) {
  const [tenant, setTenant] = useState('acme');
  const [team, setTeam] = useState('research');
  const [key, setKey] = useState('first-key');
  const [issued, setIssued] = useState<string | null>(null);
  if (issued) {
    return (
      <>
        <OnceSecret label="Your key." value={issued} />
        <KeyUsageHelp />
        <button type="button" onClick={props.onDone}>
          Done
        </button>
      </>
    );
  }
  return (
    <ActionForm
      submit="Create tenant, team and key"
      action={async () => {
        const t = await must(api.POST('/admin/v1/tenants', { body: { name: tenant } }));
        const m = await must(
          api.POST('/admin/v1/tenants/{tenant_id}/teams', {
            params: { path: { tenant_id: t.id } },
            body: { name: team },
          }),
        );
        const k = await must(
          api.POST('/admin/v1/tenants/{tenant_id}/teams/{team_id}/keys', {
            params: { path: { tenant_id: t.id, team_id: m.id } },
            body: { name: key, expires_in: '30d' },
          }),
        );
        setIssued(k.key);
      }}
    >
      <div class="grid3">
        <Field label="Tenant (organisation)" name="qs-tenant" value={tenant} onInput={setTenant} required />
        <Field label="Team" name="qs-team" value={team} onInput={setTeam} required />
        <Field label="Key name" name="qs-key" value={key} onInput={setKey} required hint="Expires in 30 days." />
      </div>
    </ActionForm>
  );
}

function Top(props: { title: string; rows: Row[] | null; label(row: Row): string }) {
  const columns: Column<Row>[] = [
    { label: props.title, cell: props.label },
    { label: 'Requests', cell: (r) => formatNumber(r.requests), numeric: true },
    { label: 'Tokens', cell: (r) => formatNumber(r.total_tokens), numeric: true },
    { label: 'Cost', cell: (r) => formatUsd(r.cost_usd), numeric: true },
  ];
  const sorted = props.rows ? [...props.rows].sort((a, b) => b.total_tokens - a.total_tokens).slice(0, 5) : null;
  return <Table caption={`Top ${props.title.toLowerCase()}`} columns={columns} rows={sorted} empty="No traffic yet." />;
}

export function OverviewPage() {
  const session = useSession();
  const platform = can(session, 'admin.tenants.read', 'platform');
  const since = utcDay(-13);
  const until = utcDay();
  const days = daysBetween(since, until);
  const mayUsage = canAnywhere(session, 'admin.usage.read');
  const byDay = useLoad(
    async () => (mayUsage ? usageReport({ since, until, group_by: 'day' }, session) : null),
    [mayUsage],
  );
  const byKey = useLoad(
    async () => (mayUsage ? usageReport({ since, until, group_by: 'key' }, session) : null),
    [mayUsage],
  );
  const byModel = useLoad(
    async () => (mayUsage ? usageReport({ since, until, group_by: 'model' }, session) : null),
    [mayUsage],
  );
  const byTeam = useLoad(
    async () => (mayUsage ? usageReport({ since, until, group_by: 'team' }, session) : null),
    [mayUsage],
  );
  const tenants = useLoad(
    async () =>
      platform ? (await must(api.GET('/admin/v1/tenants', { params: { query: { limit: 1 } } }))).data : null,
    [platform],
  );
  const upstreams = useLoad(
    async () => (canAnywhere(session, 'admin.llm.read') ? (await must(api.GET('/admin/v1/llm/upstreams'))).data : null),
    [],
  );
  const errors = useLoad(
    async () => (canAnywhere(session, 'admin.audit.read') && platform ? errorsPerDay(since) : null),
    [],
  );
  const [verify, setVerify] = useState<Answer<'admin.audit.verify'> | null>(null);
  const rows = byDay.data?.data ?? [];
  const totals = byDay.data?.totals;
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      {platform && tenants.data?.length === 0 ? (
        <Section title="Get started">
          <p>Create a tenant (an organisation), a team in it and a virtual key for the team, in one step.</p>
          <QuickStart onDone={() => navigate('keys')} />
        </Section>
      ) : null}
      {mayUsage ? (
        <>
          <section class="tiles" aria-label="Last 14 days">
            <div class="tile">
              <span>Requests</span>
              <strong>{formatNumber(totals?.requests)}</strong>
            </div>
            <div class="tile">
              <span>Tokens</span>
              <strong>{formatNumber(totals?.total_tokens)}</strong>
            </div>
            <div class="tile">
              <span>Cost</span>
              <strong>{formatUsd(totals?.cost_usd)}</strong>
            </div>
            <div class="tile">
              <span>Errors (audit)</span>
              <strong>
                {errors.data === null ? '—' : `${formatNumber(errors.data.total)}${errors.data.capped ? '+' : ''}`}
              </strong>
            </div>
          </section>
          <div class="grid2">
            <Section title={errors.data ? 'Requests and errors, last 14 days' : 'Requests, last 14 days'}>
              <DayChart
                title={errors.data ? 'Requests and errors per day' : 'Requests per day'}
                days={byDay.loading || errors.loading ? [] : days}
                series={[
                  { label: 'Requests', values: perDay(rows, days, (r) => r.requests), color: '#0b5cad' },
                  ...(errors.data
                    ? [
                        { label: 'Errors 4xx', values: errors.data.count(days, '4xx'), color: '#9a6700', dash: [6, 4] },
                        { label: 'Errors 5xx', values: errors.data.count(days, '5xx'), color: '#cf222e', dash: [2, 3] },
                      ]
                    : []),
                ]}
              />
              <p class="muted">
                Requests: LLM calls, from usage.
                {errors.data
                  ? ` Errors: every audited request answered 4xx or 5xx, on any surface${errors.data.capped ? `; the newest ${formatNumber(ERROR_PAGES * 1000)} of each class` : ''}.`
                  : ''}
              </p>
            </Section>
            <Section title="Tokens and cost, last 14 days">
              <TokensAndCostChart days={byDay.loading ? [] : days} rows={rows} />
            </Section>
          </div>
          <div class="grid3">
            <Section title="Top keys">
              <Top title="Key" rows={byKey.data?.data ?? null} label={(r) => r.key_id ?? '—'} />
            </Section>
            <Section title="Top models">
              <Top title="Model" rows={byModel.data?.data ?? null} label={(r) => r.model ?? '—'} />
            </Section>
            <Section title="Top teams">
              <Top title="Team" rows={byTeam.data?.data ?? null} label={(r) => r.team_id ?? '—'} />
            </Section>
          </div>
        </>
      ) : null}
      {upstreams.data ? (
        <Section title="Upstream health">
          <Table<Upstream>
            caption="Upstream health"
            rows={upstreams.data}
            columns={[
              { label: 'Upstream', cell: (u) => u.id },
              { label: 'Provider', cell: (u) => u.provider },
              {
                label: 'Health',
                cell: (u) =>
                  u.health.reachable ? (
                    <Badge tone="good">reachable</Badge>
                  ) : (
                    <Badge tone="bad">{u.health.reason ?? 'down'}</Badge>
                  ),
              },
            ]}
          />
        </Section>
      ) : null}
      {can(session, 'admin.audit.verify', 'platform') ? (
        <Section
          title="Audit chains"
          actions={
            <button type="button" onClick={async () => setVerify(await must(api.POST('/admin/v1/audit/verify')))}>
              Verify now
            </button>
          }
        >
          {verify === null ? (
            <p class="muted">Re-computes every chain's hashes; a broken link names the first bad event.</p>
          ) : (
            <p>
              {verify.ok ? <Badge tone="good">intact</Badge> : <Badge tone="bad">broken</Badge>} {verify.chains.length}{' '}
              chain(s), {formatNumber(verify.chains.reduce((sum, c) => sum + c.count, 0))} events verified.
            </p>
          )}
        </Section>
      ) : null}
    </>
  );
}
