import { useState } from 'preact/hooks';
import { type Answer, api, type BodyOf, must } from '../api.ts';
import { ScopePicker, useScope, useSession } from '../scope.tsx';
import { can, type SessionShape, teamScope } from '../session.ts';
import {
  ActionForm,
  Badge,
  type Column,
  Dialog,
  ErrorNote,
  Field,
  formatNumber,
  formatTime,
  formatUsd,
  OnceSecret,
  Section,
  Table,
  useLoad,
} from '../ui.tsx';
import { monthStart, usageReport, utcDay } from '../usage-data.ts';

type Key = Answer<'admin.keys.list'>['data'][number];
type Settings = NonNullable<BodyOf<'admin.keys.create'>['settings']>;
type Budgets = NonNullable<Settings['budgets']>;

interface Spend {
  tokensDay: number;
  tokensMonth: number;
  tokensTotal: number;
  usdDay: number;
  usdMonth: number;
  usdTotal: number;
}

/** How a client uses the new key: the same base URL and key in any OpenAI-compatible client. */
export function KeyUsageHelp() {
  const base = `${window.location.origin}/v1`;
  return (
    <details open>
      <summary>Use it</summary>
      <pre>
        <code>{`curl ${base}/chat/completions \\\n  -H "Authorization: Bearer $GATEHOUSE_KEY" -H "content-type: application/json" \\\n  -d '{"model":"llama3","messages":[{"role":"user","content":"hi"}]}'`}</code>
      </pre>
      <pre>
        <code>{`import OpenAI from 'openai';\nconst client = new OpenAI({ baseURL: '${base}', apiKey: process.env.GATEHOUSE_KEY });`}</code>
      </pre>
    </details>
  );
}

function numberOrUndefined(text: string): number | undefined {
  const value = Number(text);
  return text.trim() === '' || !Number.isFinite(value) ? undefined : value;
}

function LimitFields(props: { values: Record<string, string>; set(name: string, value: string): void }) {
  const field = (name: string, label: string, hint?: string) => (
    <Field
      label={label}
      name={name}
      value={props.values[name] ?? ''}
      onInput={(v) => props.set(name, v)}
      type="number"
      hint={hint}
    />
  );
  return (
    <fieldset>
      <legend>Limits and budgets (empty: none at this level)</legend>
      <div class="grid3">
        {field('rpm', 'Requests per minute')}
        {field('tpm', 'Tokens per minute')}
        {field('max_parallel', 'Requests in flight')}
        {field('tokens_daily', 'Token budget per UTC day')}
        {field('usd_daily', 'USD budget per UTC day')}
        {field('usd_monthly', 'USD budget per UTC month')}
      </div>
    </fieldset>
  );
}

function settingsFrom(values: Record<string, string>): Pick<Settings, 'limits' | 'budgets'> {
  const limits = {
    rpm: numberOrUndefined(values.rpm ?? ''),
    tpm: numberOrUndefined(values.tpm ?? ''),
    max_parallel: numberOrUndefined(values.max_parallel ?? ''),
  };
  const budgets = {
    tokens_daily: numberOrUndefined(values.tokens_daily ?? ''),
    usd_daily: numberOrUndefined(values.usd_daily ?? ''),
    usd_monthly: numberOrUndefined(values.usd_monthly ?? ''),
  };
  const clean = <T extends Record<string, number | undefined>>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return { limits: clean(limits), budgets: clean(budgets) };
}

function valuesOf(key: Key): Record<string, string> {
  const settings = key.settings as Settings;
  const text = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    rpm: text(settings.limits?.rpm),
    tpm: text(settings.limits?.tpm),
    max_parallel: text(settings.limits?.max_parallel),
    tokens_daily: text(settings.budgets?.tokens_daily),
    usd_daily: text(settings.budgets?.usd_daily),
    usd_monthly: text(settings.budgets?.usd_monthly),
  };
}

function CreateKey(props: { tenantId: string; teamId: string; onClose(): void; onCreated(): void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('30d');
  const [models, setModels] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [issued, setIssued] = useState<string | null>(null);
  return (
    <Dialog title={issued ? 'Key created' : 'Create a key'} onClose={props.onClose} wide>
      {issued ? (
        <>
          <OnceSecret label="The new key." value={issued} />
          <KeyUsageHelp />
          <div class="form-actions">
            <button type="button" class="primary" onClick={props.onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <ActionForm
          submit="Create key"
          action={async () => {
            const allowed = models
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean);
            const settings = { ...settingsFrom(values), ...(allowed.length > 0 ? { allowed_models: allowed } : {}) };
            const created = await must(
              api.POST('/admin/v1/tenants/{tenant_id}/teams/{team_id}/keys', {
                params: { path: { tenant_id: props.tenantId, team_id: props.teamId } },
                body: { name, ...(expires.trim() ? { expires_in: expires.trim() } : {}), settings },
              }),
            );
            setIssued(created.key);
            props.onCreated();
          }}
        >
          <div class="grid3">
            <Field label="Name" name="key-name" value={name} onInput={setName} required placeholder="ci-bot" />
            <Field
              label="Expires in"
              name="key-expires"
              value={expires}
              onInput={setExpires}
              hint="30d, 12h, 2w; empty: never"
            />
            <Field
              label="Allowed models"
              name="key-models"
              value={models}
              onInput={setModels}
              hint="Comma-separated names or globs; empty: every model"
            />
          </div>
          <LimitFields values={values} set={(n, v) => setValues({ ...values, [n]: v })} />
        </ActionForm>
      )}
    </Dialog>
  );
}

function EditLimits(props: { keyRow: Key; onClose(): void; onSaved(): void }) {
  const [values, setValues] = useState(valuesOf(props.keyRow));
  return (
    <Dialog title={`Limits of ${props.keyRow.name}`} onClose={props.onClose} wide>
      <ActionForm
        submit="Save limits"
        action={async () => {
          await must(
            api.PATCH('/admin/v1/keys/{key_id}', {
              params: { path: { key_id: props.keyRow.id } },
              body: { settings: settingsFrom(values) },
            }),
          );
          props.onSaved();
          props.onClose();
        }}
      >
        <LimitFields values={values} set={(n, v) => setValues({ ...values, [n]: v })} />
      </ActionForm>
    </Dialog>
  );
}

function RotateKey(props: { keyRow: Key; onClose(): void; onDone(): void }) {
  const [grace, setGrace] = useState('1h');
  const [issued, setIssued] = useState<string | null>(null);
  return (
    <Dialog title={`Rotate ${props.keyRow.name}`} onClose={props.onClose}>
      {issued ? (
        <>
          <OnceSecret label="The successor key." value={issued} />
          <div class="form-actions">
            <button type="button" class="primary" onClick={props.onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <ActionForm
          submit="Rotate"
          action={async () => {
            const rotated = await must(
              api.POST('/admin/v1/keys/{key_id}/rotate', {
                params: { path: { key_id: props.keyRow.id } },
                body: grace.trim() ? { grace: grace.trim() } : {},
              }),
            );
            setIssued(rotated.key);
            props.onDone();
          }}
        >
          <p>A successor key gets the same team and settings. The old key keeps working for the grace period only.</p>
          <Field
            label="Grace period"
            name="grace"
            value={grace}
            onInput={setGrace}
            hint="e.g. 1h; empty: the old key stops at once"
          />
        </ActionForm>
      )}
    </Dialog>
  );
}

function RevokeKey(props: { keyRow: Key; onClose(): void; onDone(): void }) {
  return (
    <Dialog title={`Revoke ${props.keyRow.name}?`} onClose={props.onClose}>
      <ActionForm
        submit="Revoke key"
        danger
        action={async () => {
          await must(api.POST('/admin/v1/keys/{key_id}/revoke', { params: { path: { key_id: props.keyRow.id } } }));
          props.onDone();
          props.onClose();
        }}
      >
        <p>
          Every gateway instance refuses <code>{props.keyRow.prefix}…</code> within a second. This cannot be undone.
        </p>
      </ActionForm>
    </Dialog>
  );
}

function remaining(budget: number | undefined, used: number, usd: boolean): string {
  if (budget === undefined) return '';
  const format = usd ? formatUsd : formatNumber;
  return `${format(used)} of ${format(budget)} (${format(Math.max(0, budget - used))} left)`;
}

function BudgetCell(props: { budgets: Budgets | undefined; spend: Spend | undefined }) {
  const b = props.budgets ?? {};
  const s = props.spend ?? { tokensDay: 0, tokensMonth: 0, tokensTotal: 0, usdDay: 0, usdMonth: 0, usdTotal: 0 };
  const lines = [
    b.tokens_daily === undefined ? null : `tokens today: ${remaining(b.tokens_daily, s.tokensDay, false)}`,
    b.tokens_monthly === undefined ? null : `tokens this month: ${remaining(b.tokens_monthly, s.tokensMonth, false)}`,
    b.tokens_total === undefined ? null : `tokens in all: ${remaining(b.tokens_total, s.tokensTotal, false)}`,
    b.usd_daily === undefined ? null : `USD today: ${remaining(b.usd_daily, s.usdDay, true)}`,
    b.usd_monthly === undefined ? null : `USD this month: ${remaining(b.usd_monthly, s.usdMonth, true)}`,
    b.usd_total === undefined ? null : `USD in all: ${remaining(b.usd_total, s.usdTotal, true)}`,
  ].filter((line): line is string => line !== null);
  if (lines.length === 0) return <span class="muted">no budget · {formatNumber(s.tokensMonth)} tokens this month</span>;
  return (
    <ul class="plain">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

async function spendByKey(session: SessionShape, tenantId: string, teamId: string): Promise<Map<string, Spend>> {
  const [day, month, total] = await Promise.all([
    usageReport({ tenant: tenantId, team: teamId, since: utcDay(), group_by: 'key' }, session),
    usageReport({ tenant: tenantId, team: teamId, since: monthStart(), group_by: 'key' }, session),
    usageReport({ tenant: tenantId, team: teamId, group_by: 'key' }, session),
  ]);
  const spend = new Map<string, Spend>();
  const entry = (id: string) => {
    let value = spend.get(id);
    if (!value) {
      value = { tokensDay: 0, tokensMonth: 0, tokensTotal: 0, usdDay: 0, usdMonth: 0, usdTotal: 0 };
      spend.set(id, value);
    }
    return value;
  };
  for (const r of day.data) Object.assign(entry(r.key_id ?? ''), { tokensDay: r.total_tokens, usdDay: r.cost_usd });
  for (const r of month.data)
    Object.assign(entry(r.key_id ?? ''), { tokensMonth: r.total_tokens, usdMonth: r.cost_usd });
  for (const r of total.data)
    Object.assign(entry(r.key_id ?? ''), { tokensTotal: r.total_tokens, usdTotal: r.cost_usd });
  return spend;
}

type Open = { kind: 'create' } | { kind: 'limits' | 'rotate' | 'revoke'; key: Key } | null;

export function KeysPage() {
  const session = useSession();
  const scope = useScope();
  const [open, setOpen] = useState<Open>(null);
  const ready = scope.tenantId !== '' && scope.teamId !== '';
  const keys = useLoad(
    async () =>
      ready
        ? (
            await must(
              api.GET('/admin/v1/tenants/{tenant_id}/teams/{team_id}/keys', {
                params: { path: { tenant_id: scope.tenantId, team_id: scope.teamId }, query: { limit: 1000 } },
              }),
            )
          ).data
        : [],
    [scope.tenantId, scope.teamId],
  );
  const mayUsage = ready && can(session, 'admin.usage.read', teamScope(scope.tenantId, scope.teamId));
  const spend = useLoad(
    async () => (mayUsage ? spendByKey(session, scope.tenantId, scope.teamId) : new Map<string, Spend>()),
    [scope.tenantId, scope.teamId, mayUsage],
  );
  const mayWrite = ready && can(session, 'admin.keys.write', teamScope(scope.tenantId, scope.teamId));
  const reload = () => {
    keys.reload();
    spend.reload();
  };
  const columns: Column<Key>[] = [
    { label: 'Name', cell: (k) => k.name },
    { label: 'Prefix', cell: (k) => <code>{k.prefix}…</code> },
    {
      label: 'Status',
      cell: (k) => (
        <Badge tone={k.status === 'active' ? 'good' : k.status === 'rotating' ? 'warn' : 'bad'}>{k.status}</Badge>
      ),
    },
    { label: 'Expires', cell: (k) => formatTime(k.expires_at) },
    {
      label: 'Budgets: used and remaining',
      cell: (k) => <BudgetCell budgets={(k.settings as Settings).budgets} spend={spend.data?.get(k.id)} />,
    },
  ];
  if (mayWrite) {
    columns.push({
      label: 'Actions',
      cell: (k) =>
        k.status === 'revoked' || k.status === 'expired' ? null : (
          <div class="row-actions">
            <button type="button" onClick={() => setOpen({ kind: 'limits', key: k })}>
              Limits
            </button>
            <button type="button" onClick={() => setOpen({ kind: 'rotate', key: k })}>
              Rotate
            </button>
            <button type="button" class="danger" onClick={() => setOpen({ kind: 'revoke', key: k })}>
              Revoke
            </button>
          </div>
        ),
    });
  }
  return (
    <>
      <h1 tabIndex={-1}>Keys</h1>
      <ScopePicker scope={scope} />
      <ErrorNote error={scope.error ?? keys.error} />
      <Section
        title="Virtual keys"
        actions={
          mayWrite ? (
            <button type="button" class="primary" onClick={() => setOpen({ kind: 'create' })}>
              Create key
            </button>
          ) : null
        }
      >
        <Table caption="Virtual keys of the team" columns={columns} rows={keys.data} empty="No key in this team yet." />
      </Section>
      {open?.kind === 'create' ? (
        <CreateKey tenantId={scope.tenantId} teamId={scope.teamId} onClose={() => setOpen(null)} onCreated={reload} />
      ) : null}
      {open?.kind === 'limits' ? <EditLimits keyRow={open.key} onClose={() => setOpen(null)} onSaved={reload} /> : null}
      {open?.kind === 'rotate' ? <RotateKey keyRow={open.key} onClose={() => setOpen(null)} onDone={reload} /> : null}
      {open?.kind === 'revoke' ? <RevokeKey keyRow={open.key} onClose={() => setOpen(null)} onDone={reload} /> : null}
    </>
  );
}
