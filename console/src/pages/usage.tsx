import { TokensAndCostChart } from '../chart.tsx';
import { setParams, useRoute } from '../router.ts';
import { useSession } from '../scope.tsx';
import { type Column, ErrorNote, Field, formatNumber, formatUsd, Section, Select, Table, useLoad } from '../ui.tsx';
import { daysBetween, toCsv, type UsageRow, usageReport, utcDay } from '../usage-data.ts';

const GROUPS = [
  { value: 'tenant', label: 'Tenant' },
  { value: 'team', label: 'Team' },
  { value: 'key', label: 'Key' },
  { value: 'model', label: 'Model' },
  { value: 'session', label: 'Agent session' },
];

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

export function UsagePage() {
  const session = useSession();
  const { params } = useRoute();
  const since = params.get('since') ?? utcDay(-29);
  const until = params.get('until') ?? utcDay();
  const group = params.get('group') ?? 'model';
  const filters = {
    tenant: params.get('tenant') ?? undefined,
    team: params.get('team') ?? undefined,
    key: params.get('key') ?? undefined,
    model: params.get('model') ?? undefined,
  };
  const deps = [since, until, group, filters.tenant, filters.team, filters.key, filters.model];
  const grouped = useLoad(() => usageReport({ ...filters, since, until, group_by: group }, session), deps);
  const daily = useLoad(() => usageReport({ ...filters, since, until, group_by: 'day' }, session), deps);
  const days = daysBetween(since, until);
  const rows = daily.data?.data ?? [];
  const keyColumn = group === 'model' || group === 'session' ? group : `${group}_id`;
  // Requests that named no agent session are grouped under the empty session.
  const label = (row: UsageRow) => {
    const value = (row as Record<string, unknown>)[keyColumn];
    return value === '' && group === 'session' ? '(no session)' : String(value ?? '—');
  };
  const columns: Column<UsageRow>[] = [
    { label: GROUPS.find((g) => g.value === group)?.label ?? group, cell: label },
    { label: 'Requests', cell: (r) => formatNumber(r.requests), numeric: true },
    { label: 'Prompt tokens', cell: (r) => formatNumber(r.prompt_tokens), numeric: true },
    { label: 'Completion tokens', cell: (r) => formatNumber(r.completion_tokens), numeric: true },
    { label: 'Cache read', cell: (r) => formatNumber(r.cache_read_tokens), numeric: true },
    { label: 'Reasoning', cell: (r) => formatNumber(r.reasoning_tokens), numeric: true },
    { label: 'Cost', cell: (r) => formatUsd(r.cost_usd), numeric: true },
    { label: 'Unpriced', cell: (r) => formatNumber(r.unpriced_requests), numeric: true },
  ];
  return (
    <>
      <h1 tabIndex={-1}>Usage</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Since (UTC day)"
          name="since"
          type="date"
          value={since}
          onInput={(v) => setParams({ since: v })}
        />
        <Field
          label="Until (UTC day)"
          name="until"
          type="date"
          value={until}
          onInput={(v) => setParams({ until: v })}
        />
        <Select
          label="Group by"
          name="group"
          value={group}
          options={GROUPS}
          onChange={(v) => setParams({ group: v })}
        />
        <Field label="Model" name="model" value={filters.model ?? ''} onInput={(v) => setParams({ model: v })} />
        <Field label="Key id" name="key" value={filters.key ?? ''} onInput={(v) => setParams({ key: v })} />
      </form>
      <ErrorNote error={grouped.error ?? daily.error} />
      <Section title="Per day">
        <TokensAndCostChart days={daily.loading ? [] : days} rows={rows} />
      </Section>
      <Section
        title={`By ${GROUPS.find((g) => g.value === group)?.label.toLowerCase() ?? group}`}
        actions={
          <button
            type="button"
            disabled={!grouped.data}
            onClick={() => {
              const report = grouped.data;
              if (!report) return;
              const csv = toCsv(
                [keyColumn, 'requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd'],
                report.data as Array<Record<string, unknown>>,
              );
              download(`gatehouse-usage-${group}-${since}-${until}.csv`, csv);
            }}
          >
            Export CSV
          </button>
        }
      >
        <Table
          caption="Usage by group"
          columns={columns}
          rows={grouped.data?.data ?? null}
          empty="No usage in this period."
        />
        {grouped.data ? (
          <p>
            Total: {formatNumber(grouped.data.totals.requests)} requests,{' '}
            {formatNumber(grouped.data.totals.total_tokens)} tokens, {formatUsd(grouped.data.totals.cost_usd)}
            {grouped.data.totals.unpriced_requests > 0
              ? ` (not counting ${formatNumber(grouped.data.totals.unpriced_requests)} unpriced requests, ${formatNumber(grouped.data.totals.unpriced_tokens)} tokens)`
              : ''}
            .
          </p>
        ) : null}
      </Section>
    </>
  );
}
