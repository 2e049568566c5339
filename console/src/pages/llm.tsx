import { useState } from 'preact/hooks';
import { type Answer, api, type BodyOf, must } from '../api.ts';
import { useSession } from '../scope.tsx';
import { can } from '../session.ts';
import { ActionForm, Badge, Dialog, ErrorNote, Field, Section, Select, Table, useLoad } from '../ui.tsx';
import { describePrice, PricesSection, priceFor } from './prices.tsx';

type Upstream = Answer<'admin.llm.upstreams.list'>['data'][number];
type Group = Answer<'admin.llm.model_groups.list'>['data'][number];
type UpstreamBody = BodyOf<'admin.llm.upstreams.create'>;

const PROVIDERS = [
  { value: 'openai', label: 'OpenAI-compatible' },
  { value: 'azure-openai', label: 'Azure OpenAI' },
  { value: 'ollama', label: 'Ollama (native API)' },
];

function UpstreamForm(props: { existing: Upstream | null; onClose(): void; onSaved(): void }) {
  const [id, setId] = useState(props.existing?.id ?? '');
  const [provider, setProvider] = useState(props.existing?.provider ?? 'openai');
  const [baseUrl, setBaseUrl] = useState(props.existing?.base_url ?? '');
  const [apiKey, setApiKey] = useState('');
  return (
    <Dialog title={props.existing ? `Edit upstream ${props.existing.id}` : 'Add an upstream'} onClose={props.onClose}>
      <ActionForm
        submit="Save upstream"
        action={async () => {
          const body = {
            id,
            provider: provider as UpstreamBody['provider'],
            base_url: baseUrl,
            ...(apiKey ? { api_keys: [apiKey] } : {}),
          };
          if (props.existing) {
            await must(api.PUT('/admin/v1/llm/upstreams/{id}', { params: { path: { id } }, body }));
          } else {
            await must(api.POST('/admin/v1/llm/upstreams', { body }));
          }
          props.onSaved();
          props.onClose();
        }}
      >
        {props.existing ? null : <Field label="Id" name="up-id" value={id} onInput={setId} required />}
        <Select label="Provider" name="up-provider" value={provider} options={PROVIDERS} onChange={setProvider} />
        <Field
          label="Base URL"
          name="up-url"
          value={baseUrl}
          onInput={setBaseUrl}
          required
          placeholder="https://api.openai.com/v1"
        />
        <Field
          label="API key"
          name="up-key"
          type="password"
          value={apiKey}
          onInput={setApiKey}
          hint={
            props.existing
              ? 'Write-only; empty keeps the stored keys.'
              : 'Write-only: stored encrypted, never shown again.'
          }
        />
      </ActionForm>
    </Dialog>
  );
}

function GroupForm(props: { existing: Group | null; upstreams: Upstream[]; onClose(): void; onSaved(): void }) {
  const first = props.existing?.targets[0];
  const [name, setName] = useState(props.existing?.name ?? '');
  const [upstream, setUpstream] = useState(first?.upstream ?? props.upstreams[0]?.id ?? '');
  const [model, setModel] = useState(first?.model ?? '');
  const [fallbacks, setFallbacks] = useState((props.existing?.fallbacks ?? []).join(', '));
  return (
    <Dialog title={props.existing ? `Edit model ${props.existing.name}` : 'Add a model group'} onClose={props.onClose}>
      <ActionForm
        submit="Save model group"
        action={async () => {
          const targets = [{ upstream, model }, ...(props.existing?.targets.slice(1) ?? [])];
          const list = fallbacks
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean);
          const body = { name, targets, ...(list.length > 0 ? { fallbacks: list } : {}) };
          if (props.existing) {
            await must(api.PUT('/admin/v1/llm/model_groups/{id}', { params: { path: { id: name } }, body }));
          } else {
            await must(api.POST('/admin/v1/llm/model_groups', { body }));
          }
          props.onSaved();
          props.onClose();
        }}
      >
        {props.existing ? null : (
          <Field
            label="Public model name"
            name="mg-name"
            value={name}
            onInput={setName}
            required
            hint="What clients send as model"
          />
        )}
        <Select
          label="Upstream"
          name="mg-upstream"
          value={upstream}
          options={props.upstreams.map((u) => ({ value: u.id, label: u.id }))}
          onChange={setUpstream}
        />
        <Field label="Upstream model" name="mg-model" value={model} onInput={setModel} required />
        <Field
          label="Fallback models"
          name="mg-fallbacks"
          value={fallbacks}
          onInput={setFallbacks}
          hint="Comma-separated"
        />
      </ActionForm>
    </Dialog>
  );
}

export function LlmPage() {
  const session = useSession();
  const mayWrite = can(session, 'admin.llm.write', 'platform');
  // The page serves a role that reads routing, prices or both; it asks only for what the role may read.
  const mayReadLlm = can(session, 'admin.llm.read', 'platform');
  const upstreams = useLoad(
    async () => (mayReadLlm ? (await must(api.GET('/admin/v1/llm/upstreams'))).data : []),
    [mayReadLlm],
  );
  const groups = useLoad(
    async () => (mayReadLlm ? (await must(api.GET('/admin/v1/llm/model_groups'))).data : []),
    [mayReadLlm],
  );
  const mayReadPrices = can(session, 'admin.prices.read', 'platform');
  const prices = useLoad(
    async () => (mayReadPrices ? (await must(api.GET('/admin/v1/llm/prices'))).data : []),
    [mayReadPrices],
  );
  const [open, setOpen] = useState<
    { kind: 'upstream'; value: Upstream | null } | { kind: 'group'; value: Group | null } | null
  >(null);
  const [error, setError] = useState<unknown>(null);
  const remove = async (call: () => Promise<unknown>) => {
    setError(null);
    try {
      await call();
      upstreams.reload();
      groups.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h1 tabIndex={-1}>LLM upstreams and model groups</h1>
      <ErrorNote error={upstreams.error ?? groups.error ?? error} />
      {mayReadLlm ? (
        <>
          <Section
            title="Upstreams"
            actions={
              mayWrite ? (
                <button type="button" class="primary" onClick={() => setOpen({ kind: 'upstream', value: null })}>
                  Add upstream
                </button>
              ) : null
            }
          >
            <Table
              caption="LLM upstreams"
              rows={upstreams.data}
              columns={[
                { label: 'Id', cell: (u) => <code>{u.id}</code> },
                { label: 'Provider', cell: (u) => u.provider },
                { label: 'Base URL', cell: (u) => <code>{u.base_url}</code> },
                { label: 'Keys', cell: (u) => String(u.api_key_count), numeric: true },
                {
                  label: 'Health',
                  cell: (u) =>
                    u.health.reachable ? (
                      <Badge tone="good">reachable</Badge>
                    ) : (
                      <Badge tone="bad">{u.health.reason ?? 'unreachable'}</Badge>
                    ),
                },
                { label: 'Source', cell: (u) => u.source },
                {
                  label: 'Actions',
                  cell: (u) =>
                    mayWrite && u.source === 'admin' ? (
                      <div class="row-actions">
                        <button type="button" onClick={() => setOpen({ kind: 'upstream', value: u })}>
                          Edit
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() =>
                            remove(() =>
                              must(api.DELETE('/admin/v1/llm/upstreams/{id}', { params: { path: { id: u.id } } })),
                            )
                          }
                        >
                          Delete
                        </button>
                      </div>
                    ) : (
                      <span class="muted">{u.source === 'admin' ? '' : 'read-only (config)'}</span>
                    ),
                },
              ]}
            />
          </Section>
          <Section
            title="Model groups"
            actions={
              mayWrite ? (
                <button type="button" class="primary" onClick={() => setOpen({ kind: 'group', value: null })}>
                  Add model group
                </button>
              ) : null
            }
          >
            <Table
              caption="Model groups"
              rows={groups.data}
              columns={[
                { label: 'Model', cell: (g) => <code>{g.name}</code> },
                {
                  label: 'Targets',
                  cell: (g) =>
                    g.targets.map((t) => `${t.upstream}/${t.model}${t.weight ? ` ×${t.weight}` : ''}`).join(', '),
                },
                { label: 'Fallbacks', cell: (g) => (g.fallbacks ?? []).join(', ') || '—' },
                ...(mayReadPrices
                  ? [
                      {
                        label: 'Price (USD / 1M tokens)',
                        cell: (g: Group) => describePrice(priceFor(prices.data ?? [], g.name)),
                      },
                    ]
                  : []),
                { label: 'Source', cell: (g) => g.source },
                {
                  label: 'Actions',
                  cell: (g) =>
                    mayWrite && g.source === 'admin' ? (
                      <div class="row-actions">
                        <button type="button" onClick={() => setOpen({ kind: 'group', value: g })}>
                          Edit
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() =>
                            remove(() =>
                              must(api.DELETE('/admin/v1/llm/model_groups/{id}', { params: { path: { id: g.name } } })),
                            )
                          }
                        >
                          Delete
                        </button>
                      </div>
                    ) : (
                      <span class="muted">{g.source === 'admin' ? '' : 'read-only (config)'}</span>
                    ),
                },
              ]}
            />
          </Section>
        </>
      ) : null}
      {mayReadPrices ? (
        <PricesSection prices={prices} mayWrite={can(session, 'admin.prices.write', 'platform')} />
      ) : null}
      {open?.kind === 'upstream' ? (
        <UpstreamForm existing={open.value} onClose={() => setOpen(null)} onSaved={upstreams.reload} />
      ) : null}
      {open?.kind === 'group' ? (
        <GroupForm
          existing={open.value}
          upstreams={upstreams.data ?? []}
          onClose={() => setOpen(null)}
          onSaved={groups.reload}
        />
      ) : null}
    </>
  );
}
