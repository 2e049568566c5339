import { useState } from 'preact/hooks';
import { type Answer, api, must } from '../api.ts';
import { JsonDiff } from '../diff.tsx';
import { ScopePicker, useScope, useSession } from '../scope.tsx';
import { can, canAnywhere, teamScope } from '../session.ts';
import { ActionForm, Badge, Dialog, ErrorNote, Section, Table, TextArea, useLoad } from '../ui.tsx';

type Server = Answer<'admin.mcp.servers.list'>['data'][number];
type Pin = Answer<'admin.mcp.pins.list'>['data'][number];

function Pins(props: { server: Server; mayWrite: boolean; onClose(): void; onChanged(): void }) {
  const pins = useLoad(
    async () =>
      (await must(api.GET('/admin/v1/mcp/servers/{server}/pins', { params: { path: { server: props.server.id } } })))
        .data,
    [props.server.id],
  );
  const [error, setError] = useState<unknown>(null);
  const pending = (pins.data ?? []).filter((pin) => pin.status === 'quarantined');
  const approve = async (pin: Pin) => {
    setError(null);
    try {
      await must(
        api.POST('/admin/v1/mcp/servers/{server}/tools/{tool}:approve', {
          params: { path: { server: props.server.id, tool: pin.tool } },
          body: { sha256: pin.pending_sha256 ?? '' },
        }),
      );
      pins.reload();
      props.onChanged();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Dialog title={`Tool pins of ${props.server.id}`} onClose={props.onClose} wide>
      <ErrorNote error={pins.error ?? error} />
      {pending.length === 0 ? <p>No tool awaits approval.</p> : null}
      {pending.map((pin) => {
        const approved = (pin as Pin & { approved_definition?: unknown }).approved_definition;
        return (
          <section class="pin" key={pin.tool} aria-label={`Quarantined tool ${pin.tool}`}>
            <h3>
              <code>{pin.tool}</code> <Badge tone="warn">quarantined</Badge>
            </h3>
            <p class="muted">
              approved <code>{pin.approved_sha256?.slice(0, 12) ?? 'never'}</code> → pending{' '}
              <code>{pin.pending_sha256?.slice(0, 12)}</code>
            </p>
            <JsonDiff
              label={`Changes to ${pin.tool}`}
              before={approved ?? (pin.approved_sha256 ? { sha256: pin.approved_sha256 } : {})}
              after={pin.pending_definition ?? {}}
            />
            {props.mayWrite ? (
              <button type="button" class="primary" onClick={() => approve(pin)}>
                Approve {pin.tool}
              </button>
            ) : null}
          </section>
        );
      })}
      <h3>All pins</h3>
      <Table
        caption="Tool pins"
        rows={pins.data}
        columns={[
          { label: 'Tool', cell: (p) => <code>{p.tool}</code> },
          { label: 'Status', cell: (p) => <Badge tone={p.status === 'approved' ? 'good' : 'warn'}>{p.status}</Badge> },
          { label: 'Approved by', cell: (p) => p.approved_by ?? '—' },
        ]}
      />
    </Dialog>
  );
}

function PolicyEditor(props: { tenantId: string; teamId: string; mayWrite: boolean }) {
  const policy = useLoad(
    async () =>
      props.teamId
        ? await must(api.GET('/admin/v1/mcp/policies/{team_id}', { params: { path: { team_id: props.teamId } } }))
        : null,
    [props.teamId],
  );
  const [text, setText] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  if (!props.teamId) return null;
  const current = text ?? JSON.stringify({ rules: policy.data?.rules ?? [] }, null, 2);
  return (
    <Section title="Tool policy of the team">
      <ErrorNote error={policy.error} />
      <p class="muted">
        Deny by default; rules run in order (<code>server</code>, <code>tools</code> globs, <code>effect</code>,{' '}
        <code>args</code> constraints, <code>require_capability</code>, <code>rate_limit_per_minute</code>).
      </p>
      {policy.data ? (
        <Table
          caption="Rules"
          rows={policy.data.rules}
          columns={[
            { label: '#', cell: (r) => String(policy.data?.rules.indexOf(r) ?? 0) },
            { label: 'Server', cell: (r) => <code>{r.server}</code> },
            { label: 'Tools', cell: (r) => (r.tools ?? []).join(', ') },
            { label: 'Prompts', cell: (r) => (r.prompts ?? []).join(', ') },
            { label: 'Resources', cell: (r) => (r.resources ?? []).join(', ') },
            {
              label: 'Effect',
              cell: (r) => (r.effect === 'deny' ? <Badge tone="bad">deny</Badge> : <Badge tone="good">allow</Badge>),
            },
          ]}
          empty="No rule: every tool is denied."
        />
      ) : null}
      {props.mayWrite ? (
        <ActionForm
          submit="Save policy"
          action={async () => {
            setSaved(false);
            let body: unknown;
            try {
              body = JSON.parse(current);
            } catch {
              throw new Error('The policy is not valid JSON.');
            }
            await must(
              api.POST('/admin/v1/mcp/policies/{team_id}', {
                params: { path: { team_id: props.teamId } },
                body: body as { rules: [] },
              }),
            );
            setText(null);
            setSaved(true);
            policy.reload();
          }}
        >
          <TextArea label="Policy (JSON)" name="policy" value={current} rows={14} onInput={setText} />
          <p role="status">{saved ? 'Saved: every instance applies it within a second.' : ''}</p>
        </ActionForm>
      ) : null}
    </Section>
  );
}

export function McpPage() {
  const session = useSession();
  const scope = useScope();
  const [open, setOpen] = useState<Server | null>(null);
  const servers = useLoad(
    async () =>
      can(session, 'admin.mcp.read', 'platform') || canAnywhere(session, 'admin.mcp.read')
        ? (await must(api.GET('/admin/v1/mcp/servers'))).data
        : [],
    [],
  );
  const mayWrite = can(session, 'admin.mcp.write', 'platform');
  return (
    <>
      <h1 tabIndex={-1}>MCP tools</h1>
      <ErrorNote error={servers.error} />
      <Section title="Servers">
        <Table
          caption="MCP servers"
          rows={servers.data}
          empty="No MCP server is registered (config file mcp.servers, or POST /admin/v1/mcp/servers)."
          columns={[
            { label: 'Server', cell: (s) => <code>{s.id}</code> },
            { label: 'Transport', cell: (s) => s.transport },
            {
              label: 'Status',
              cell: (s) => (
                <Badge tone={s.status === 'ready' ? 'good' : s.last_error ? 'bad' : 'neutral'}>{s.status}</Badge>
              ),
            },
            { label: 'Tools', cell: (s) => String(s.tools.length), numeric: true },
            {
              label: 'Awaiting approval',
              cell: (s) => {
                const count = s.tools.filter((t) => t.status === 'quarantined').length;
                return count > 0 ? <Badge tone="warn">{`${count} quarantined`}</Badge> : '0';
              },
            },
            {
              label: 'Pins',
              cell: (s) => (
                <button type="button" onClick={() => setOpen(s)}>
                  Review pins
                </button>
              ),
            },
          ]}
        />
      </Section>
      <ScopePicker scope={scope} />
      <PolicyEditor
        tenantId={scope.tenantId}
        teamId={scope.teamId}
        mayWrite={scope.teamId !== '' && can(session, 'admin.mcp.write', teamScope(scope.tenantId, scope.teamId))}
      />
      {open ? (
        <Pins server={open} mayWrite={mayWrite} onClose={() => setOpen(null)} onChanged={servers.reload} />
      ) : null}
    </>
  );
}
