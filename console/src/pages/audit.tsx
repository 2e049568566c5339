import { useState } from 'preact/hooks';
import { type Answer, api, must } from '../api.ts';
import { setParams, useRoute } from '../router.ts';
import { useSession } from '../scope.tsx';
import { can, grantedScopes } from '../session.ts';
import { Badge, type Column, Dialog, ErrorNote, Field, formatTime, Section, Select, Table, useLoad } from '../ui.tsx';

type AuditEvent = Answer<'admin.audit.query'>['data'][number];
type Verify = Answer<'admin.audit.verify'>;
type PromptLog = Answer<'admin.prompt_logs.read'>;

/**
 * Every outcome the gateway records, in the order the filter offers them. Keyed by the event schema's union, so a
 * new outcome does not compile until it is listed here (a hand-kept list once missed `budget_exceeded`).
 */
const RECORDED_OUTCOMES: Record<AuditEvent['outcome'], true> = {
  success: true,
  client_error: true,
  unauthenticated: true,
  denied: true,
  rate_limited: true,
  budget_exceeded: true,
  upstream_error: true,
  error: true,
  aborted: true,
};
const OUTCOMES = ['', ...Object.keys(RECORDED_OUTCOMES)];

function tone(outcome: string): 'good' | 'bad' | 'warn' | 'neutral' {
  if (outcome === 'success') return 'good';
  if (outcome === 'rate_limited' || outcome === 'budget_exceeded' || outcome === 'client_error') return 'warn';
  return 'bad';
}

/**
 * The logged prompt and reply of one LLM call, fetched only when asked for: reading it is itself an audited
 * `prompts.read` request, so opening an event's detail must not read prompts as a side effect. Shown as text.
 */
function PromptLogPanel(props: { requestId: string }) {
  const [entry, setEntry] = useState<PromptLog | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setEntry(
        await must(
          api.GET('/admin/v1/prompt-logs/{request_id}', { params: { path: { request_id: props.requestId } } }),
        ),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-label="Prompt log">
      <h3>Prompt log</h3>
      {entry === null ? (
        <button type="button" onClick={show} disabled={busy}>
          Show logged prompt
        </button>
      ) : (
        <>
          <p>
            Logged {formatTime(entry.created_at)}, readable until {formatTime(entry.expires_at)}.
          </p>
          <h4>Request</h4>
          <pre class="json" data-testid="prompt-request">
            {JSON.stringify(entry.request, null, 2)}
          </pre>
          <h4>Reply</h4>
          <pre class="json" data-testid="prompt-response">
            {entry.response}
          </pre>
        </>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

/** The event as stored, shown as text: metadata written by callers (names, paths) can never become markup here. */
function EventDetail(props: { event: AuditEvent; canReadPrompts: boolean; onClose(): void }) {
  const e = props.event;
  return (
    <Dialog title="Audit event" onClose={props.onClose} wide>
      <dl class="facts">
        <dt>Time</dt>
        <dd>{formatTime(e.ts)}</dd>
        <dt>Request id</dt>
        <dd>
          <code>{e.request_id}</code>
        </dd>
        <dt>Surface</dt>
        <dd>
          <code>{e.surface}</code> {e.method} <code>{e.path}</code>
        </dd>
        <dt>Outcome</dt>
        <dd>
          <Badge tone={tone(e.outcome)}>{e.outcome}</Badge> {e.status} {e.error_code ?? ''}
        </dd>
        <dt>Principal</dt>
        <dd>{e.principal ? `${e.principal.type}:${e.principal.id}` : 'none'}</dd>
        <dt>Chain</dt>
        <dd>
          <code>{e.chain_id}</code> #{e.seq}
        </dd>
      </dl>
      <h3>Full event</h3>
      <pre class="json" data-testid="audit-json">
        {JSON.stringify(e, null, 2)}
      </pre>
      {/* Prompt logs exist only for metered LLM calls (those carry usage), of keys that opted in. */}
      {props.canReadPrompts && e.usage !== null ? <PromptLogPanel requestId={e.request_id} /> : null}
    </Dialog>
  );
}

export function AuditPage() {
  const session = useSession();
  const { params } = useRoute();
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const [verify, setVerify] = useState<Verify | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const filter = {
    since: params.get('since') ?? '',
    until: params.get('until') ?? '',
    surface: params.get('surface') ?? '',
    principal: params.get('principal') ?? '',
    outcome: params.get('outcome') ?? '',
    request: params.get('request') ?? '',
    model: params.get('model') ?? '',
  };
  const events = useLoad(async () => {
    const query: Record<string, string | number> = { limit: 200 };
    for (const name of ['surface', 'principal', 'outcome', 'model'] as const)
      if (filter[name]) query[name] = filter[name];
    if (filter.request) query.request_id = filter.request;
    if (filter.since) query.since = new Date(filter.since).toISOString();
    if (filter.until) query.until = new Date(filter.until).toISOString();
    const tenant = session.principal.tenant_id ?? grantedScopes(session)[0]?.tenantId;
    const page =
      can(session, 'admin.audit.read', 'platform') || !tenant
        ? await must(api.GET('/admin/v1/audit', { params: { query } }))
        : await must(
            api.GET('/admin/v1/tenants/{tenant_id}/audit', { params: { path: { tenant_id: tenant }, query } }),
          );
    return page.data;
  }, Object.values(filter));
  const columns: Column<AuditEvent>[] = [
    { label: 'Time', cell: (e) => formatTime(e.ts) },
    { label: 'Surface', cell: (e) => <code>{e.surface}</code> },
    { label: 'Status', cell: (e) => <Badge tone={tone(e.outcome)}>{`${e.status} ${e.outcome}`}</Badge> },
    { label: 'Principal', cell: (e) => (e.principal ? e.principal.id.slice(0, 40) : '—') },
    {
      label: 'Detail',
      cell: (e) => (
        <button type="button" onClick={() => setSelected(e)} aria-label={`View details of request ${e.request_id}`}>
          View
        </button>
      ),
    },
  ];
  return (
    <>
      <h1 tabIndex={-1}>Audit</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Since"
          name="since"
          type="datetime-local"
          value={filter.since}
          onInput={(v) => setParams({ since: v })}
        />
        <Field
          label="Until"
          name="until"
          type="datetime-local"
          value={filter.until}
          onInput={(v) => setParams({ until: v })}
        />
        <Field label="Request id" name="request" value={filter.request} onInput={(v) => setParams({ request: v })} />
        <Field
          label="Principal id"
          name="principal"
          value={filter.principal}
          onInput={(v) => setParams({ principal: v })}
        />
        <Field
          label="Surface"
          name="surface"
          value={filter.surface}
          onInput={(v) => setParams({ surface: v })}
          placeholder="llm.chat"
        />
        <Field label="Model" name="model" value={filter.model} onInput={(v) => setParams({ model: v })} />
        <Select
          label="Outcome"
          name="outcome"
          value={filter.outcome}
          options={OUTCOMES.map((o) => ({ value: o, label: o || 'any' }))}
          onChange={(v) => setParams({ outcome: v })}
        />
      </form>
      <ErrorNote error={events.error} />
      <Section
        title="Events, newest first"
        actions={
          can(session, 'admin.audit.verify', 'platform') ? (
            <button
              type="button"
              onClick={async () => {
                setVerifyError(null);
                try {
                  setVerify(await must(api.POST('/admin/v1/audit/verify')));
                } catch (error) {
                  setVerifyError(error);
                }
              }}
            >
              Verify chains
            </button>
          ) : null
        }
      >
        <ErrorNote error={verifyError} />
        {verify ? (
          <Table
            caption="Chain verification"
            rows={verify.chains}
            columns={[
              { label: 'Chain', cell: (c) => <code>{c.chainId ?? '—'}</code> },
              {
                label: 'Result',
                cell: (c) => (c.ok ? <Badge tone="good">intact</Badge> : <Badge tone="bad">broken</Badge>),
              },
              { label: 'Events verified', cell: (c) => c.count, numeric: true },
              {
                label: 'First broken',
                cell: (c) => (c.ok ? '—' : `seq ${c.firstBroken.seq}: ${c.firstBroken.reason}`),
              },
            ]}
          />
        ) : null}
        <Table caption="Audit events" columns={columns} rows={events.data} empty="No event matches." />
      </Section>
      {selected ? (
        <EventDetail
          event={selected}
          canReadPrompts={can(session, 'prompts.read', 'platform')}
          onClose={() => setSelected(null)}
        />
      ) : null}
    </>
  );
}
