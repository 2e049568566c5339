import { useState } from 'preact/hooks';
import { type Answer, api, type BodyOf, must } from '../api.ts';
import { useSession } from '../scope.tsx';
import { can } from '../session.ts';
import {
  ActionForm,
  Badge,
  Dialog,
  ErrorNote,
  Field,
  formatTime,
  Section,
  Select,
  Table,
  TextArea,
  useLoad,
} from '../ui.tsx';

type Service = Answer<'admin.vault.services.list'>['data'][number];

const SERVICE_EXAMPLE = JSON.stringify(
  {
    id: 'payments',
    base_url: 'https://api.payments.example/v1',
    allowed_methods: ['GET', 'POST'],
    auth: { type: 'bearer' },
  },
  null,
  2,
);

function CredentialForm(props: { service: Service; onClose(): void; onSaved(): void }) {
  const [scope, setScope] = useState('service');
  const [owner, setOwner] = useState('');
  const [secret, setSecret] = useState('');
  return (
    <Dialog title={`Set a credential for ${props.service.id}`} onClose={props.onClose}>
      <ActionForm
        submit="Store credential"
        action={async () => {
          await must(
            api.PUT('/admin/v1/vault/services/{service}/credentials', {
              params: { path: { service: props.service.id } },
              body: { secret, ...(scope === 'tenant' ? { tenant: owner } : scope === 'key' ? { key: owner } : {}) },
            }),
          );
          setSecret('');
          props.onSaved();
          props.onClose();
        }}
      >
        <Select
          label="For"
          name="cred-scope"
          value={scope}
          options={[
            { value: 'service', label: 'Every caller' },
            { value: 'tenant', label: 'One tenant' },
            { value: 'key', label: 'One key' },
          ]}
          onChange={setScope}
        />
        {scope === 'service' ? null : (
          <Field
            label={scope === 'tenant' ? 'Tenant id or name' : 'Key id or prefix'}
            name="cred-owner"
            value={owner}
            onInput={setOwner}
            required
          />
        )}
        <Field
          label="Secret"
          name="cred-secret"
          type="password"
          value={secret}
          onInput={setSecret}
          required
          hint="Write-only: stored as an envelope, never returned or logged."
        />
      </ActionForm>
    </Dialog>
  );
}

function Grants(props: { mayWrite: boolean; services: Service[] }) {
  const [keyId, setKeyId] = useState('');
  const [lookedUp, setLookedUp] = useState('');
  const grants = useLoad(
    async () =>
      lookedUp
        ? await must(api.GET('/admin/v1/keys/{key_id}/services', { params: { path: { key_id: lookedUp } } }))
        : null,
    [lookedUp],
  );
  const [grant, setGrant] = useState('');
  const [error, setError] = useState<unknown>(null);
  const act = async (call: () => Promise<unknown>) => {
    setError(null);
    try {
      await call();
      grants.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Section title="Grants of a key">
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setLookedUp(keyId.trim());
        }}
      >
        <Field label="Key id or prefix" name="grant-key" value={keyId} onInput={setKeyId} />
        <div class="form-actions">
          <button type="submit">Show grants</button>
        </div>
      </form>
      <ErrorNote error={grants.error ?? error} />
      {grants.data ? (
        <>
          <Table
            caption="Services the key may call"
            rows={grants.data.services}
            empty="No service is granted: the key can call none (deny by default)."
            columns={[
              { label: 'Service', cell: (s) => <code>{s}</code> },
              {
                label: 'Actions',
                cell: (s) =>
                  props.mayWrite ? (
                    <button
                      type="button"
                      class="danger"
                      onClick={() =>
                        act(() =>
                          must(
                            api.DELETE('/admin/v1/keys/{key_id}/services/{service}', {
                              params: { path: { key_id: lookedUp, service: s } },
                            }),
                          ),
                        )
                      }
                    >
                      Revoke
                    </button>
                  ) : null,
              },
            ]}
          />
          {props.mayWrite ? (
            <form
              class="filters"
              onSubmit={(event) => {
                event.preventDefault();
                void act(() =>
                  must(
                    api.POST('/admin/v1/keys/{key_id}/services', {
                      params: { path: { key_id: lookedUp } },
                      body: { services: [grant] },
                    }),
                  ),
                );
              }}
            >
              <Select
                label="Grant service"
                name="grant-service"
                value={grant}
                options={[
                  { value: '', label: 'choose…' },
                  ...props.services.map((s) => ({ value: s.id, label: s.id })),
                ]}
                onChange={setGrant}
              />
              <div class="form-actions">
                <button type="submit" class="primary" disabled={!grant}>
                  Grant
                </button>
              </div>
            </form>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}

export function VaultPage() {
  const session = useSession();
  const mayWrite = can(session, 'admin.vault.write', 'platform');
  const mayGrant = can(session, 'admin.keys.write', 'platform');
  const services = useLoad(async () => (await must(api.GET('/admin/v1/vault/services'))).data, []);
  const [credentialFor, setCredentialFor] = useState<Service | null>(null);
  const [defining, setDefining] = useState(false);
  const [definition, setDefinition] = useState(SERVICE_EXAMPLE);
  return (
    <>
      <h1 tabIndex={-1}>Vault</h1>
      <ErrorNote error={services.error} />
      <Section
        title="Services"
        actions={
          mayWrite ? (
            <button type="button" class="primary" onClick={() => setDefining(true)}>
              Define service
            </button>
          ) : null
        }
      >
        <Table
          caption="Vault services"
          rows={services.data}
          empty="No vault service is defined."
          columns={[
            { label: 'Service', cell: (s) => <code>{s.id}</code> },
            { label: 'Base URL', cell: (s) => <code>{s.base_url}</code> },
            { label: 'Auth', cell: (s) => s.auth_type },
            { label: 'Methods', cell: (s) => s.allowed_methods.join(' ') },
            {
              label: 'Credentials (write-only)',
              cell: (s) =>
                s.credentials.length === 0 ? (
                  <Badge tone="warn">none</Badge>
                ) : (
                  <ul class="plain">
                    {s.credentials.map((c) => (
                      <li key={c.scope}>
                        {c.scope} v{c.version}{' '}
                        {c.healthy === false ? <Badge tone="bad">{c.unhealthy_reason ?? 'unhealthy'}</Badge> : null}{' '}
                        <span class="muted">{formatTime(c.updated_at)}</span>
                      </li>
                    ))}
                  </ul>
                ),
            },
            {
              label: 'Actions',
              cell: (s) =>
                mayWrite ? (
                  <button type="button" onClick={() => setCredentialFor(s)}>
                    Set credential
                  </button>
                ) : null,
            },
          ]}
        />
      </Section>
      <Grants mayWrite={mayGrant} services={services.data ?? []} />
      {credentialFor ? (
        <CredentialForm service={credentialFor} onClose={() => setCredentialFor(null)} onSaved={services.reload} />
      ) : null}
      {defining ? (
        <Dialog title="Define a vault service" onClose={() => setDefining(false)} wide>
          <ActionForm
            submit="Define service"
            action={async () => {
              let body: unknown;
              try {
                body = JSON.parse(definition);
              } catch {
                throw new Error('The definition is not valid JSON.');
              }
              await must(api.POST('/admin/v1/vault/services', { body: body as BodyOf<'admin.vault.services.create'> }));
              services.reload();
              setDefining(false);
            }}
          >
            <TextArea
              label="Service definition (JSON, as in vault.services)"
              name="service-def"
              value={definition}
              onInput={setDefinition}
            />
          </ActionForm>
        </Dialog>
      ) : null}
    </>
  );
}
