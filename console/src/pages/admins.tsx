import { useState } from 'preact/hooks';
import { type Answer, api, must } from '../api.ts';
import { useSession } from '../scope.tsx';
import { can } from '../session.ts';
import {
  ActionForm,
  Badge,
  Dialog,
  ErrorNote,
  Field,
  formatTime,
  OnceSecret,
  Section,
  Select,
  Table,
  useLoad,
} from '../ui.tsx';

type User = Answer<'admin.users.list'>['data'][number];
type Role = Answer<'admin.roles.list'>['data'][number];

function NewUser(props: { onClose(): void; onSaved(): void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  return (
    <Dialog title="Add an administrator" onClose={props.onClose}>
      <ActionForm
        submit="Add user"
        action={async () => {
          await must(api.POST('/admin/v1/users', { body: { email, ...(name ? { name } : {}) } }));
          props.onSaved();
          props.onClose();
        }}
      >
        <Field label="Email" name="user-email" type="email" value={email} onInput={setEmail} required />
        <Field label="Name" name="user-name" value={name} onInput={setName} />
      </ActionForm>
    </Dialog>
  );
}

function NewToken(props: { user: User; onClose(): void }) {
  const [expires, setExpires] = useState('30d');
  const [token, setToken] = useState<string | null>(null);
  return (
    <Dialog title={`Admin token for ${props.user.email}`} onClose={props.onClose}>
      {token ? (
        <OnceSecret label="The admin token." value={token} />
      ) : (
        <ActionForm
          submit="Issue token"
          action={async () => {
            const issued = await must(
              api.POST('/admin/v1/users/{user_id}/tokens', {
                params: { path: { user_id: props.user.id } },
                body: expires ? { expires_in: expires } : {},
              }),
            );
            setToken(issued.token);
          }}
        >
          <Field
            label="Expires in"
            name="token-expires"
            value={expires}
            onInput={setExpires}
            hint="e.g. 30d; empty: never"
          />
        </ActionForm>
      )}
    </Dialog>
  );
}

function NewBinding(props: { roles: Role[]; users: User[]; onClose(): void; onSaved(): void }) {
  const [principal, setPrincipal] = useState(props.users[0] ? `user:${props.users[0].id}` : '');
  const [role, setRole] = useState(props.roles[0]?.name ?? '');
  const [scope, setScope] = useState('platform');
  const [effect, setEffect] = useState('allow');
  return (
    <Dialog title="Bind a role" onClose={props.onClose}>
      <ActionForm
        submit="Create binding"
        action={async () => {
          await must(
            api.POST('/admin/v1/bindings', { body: { principal, role, scope, effect: effect as 'allow' | 'deny' } }),
          );
          props.onSaved();
          props.onClose();
        }}
      >
        <Field
          label="Principal"
          name="b-principal"
          value={principal}
          onInput={setPrincipal}
          required
          hint="user:<id>, key:<id> or jwt:<issuer>#<subject>"
        />
        <Select
          label="Role"
          name="b-role"
          value={role}
          options={props.roles.map((r) => ({ value: r.name, label: r.name }))}
          onChange={setRole}
        />
        <Field
          label="Scope"
          name="b-scope"
          value={scope}
          onInput={setScope}
          required
          hint="platform, org:<tenant id> or org:<tenant id>/team:<team id>"
        />
        <Select
          label="Effect"
          name="b-effect"
          value={effect}
          options={[
            { value: 'allow', label: 'allow' },
            { value: 'deny', label: 'deny' },
          ]}
          onChange={setEffect}
        />
      </ActionForm>
    </Dialog>
  );
}

export function AdminsPage() {
  const session = useSession();
  const mayUsers = can(session, 'admin.users.read', 'platform');
  const users = useLoad(
    async () =>
      mayUsers ? (await must(api.GET('/admin/v1/users', { params: { query: { limit: 1000 } } }))).data : null,
    [],
  );
  const roles = useLoad(
    async () => (can(session, 'admin.roles.read', 'platform') ? (await must(api.GET('/admin/v1/roles'))).data : null),
    [],
  );
  const bindings = useLoad(
    async () =>
      can(session, 'admin.bindings.read', 'platform')
        ? (await must(api.GET('/admin/v1/bindings', { params: { query: { limit: 1000 } } }))).data
        : null,
    [],
  );
  const [open, setOpen] = useState<'user' | 'binding' | User | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mayWriteUsers = can(session, 'admin.users.write', 'platform');
  const mayBind = can(session, 'admin.bindings.write', 'platform');
  return (
    <>
      <h1 tabIndex={-1}>Administrators</h1>
      <ErrorNote error={users.error ?? roles.error ?? bindings.error ?? error} />
      {users.data ? (
        <Section
          title="Users"
          actions={
            mayWriteUsers ? (
              <button type="button" class="primary" onClick={() => setOpen('user')}>
                Add user
              </button>
            ) : null
          }
        >
          <Table
            caption="Administrators"
            rows={users.data}
            columns={[
              { label: 'Email', cell: (u) => u.email },
              { label: 'Name', cell: (u) => u.name },
              {
                label: 'Status',
                cell: (u) => (u.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>),
              },
              { label: 'Created', cell: (u) => formatTime(u.created_at) },
              {
                label: 'Actions',
                cell: (u) =>
                  mayWriteUsers ? (
                    <button type="button" onClick={() => setOpen(u)}>
                      Issue token
                    </button>
                  ) : null,
              },
            ]}
          />
        </Section>
      ) : null}
      {roles.data ? (
        <Section title="Roles">
          <Table
            caption="Roles"
            rows={roles.data}
            columns={[
              { label: 'Role', cell: (r) => <code>{r.name}</code> },
              { label: 'Kind', cell: (r) => (r.builtin ? 'built-in' : 'custom') },
              { label: 'Description', cell: (r) => r.description || '—' },
              { label: 'Permissions', cell: (r) => r.permissions.join(', ') },
            ]}
          />
        </Section>
      ) : null}
      {bindings.data ? (
        <Section
          title="Bindings"
          actions={
            mayBind ? (
              <button type="button" class="primary" onClick={() => setOpen('binding')}>
                Bind a role
              </button>
            ) : null
          }
        >
          <Table
            caption="Role bindings"
            rows={bindings.data}
            columns={[
              { label: 'Principal', cell: (b) => <code>{b.principal}</code> },
              { label: 'Role', cell: (b) => b.role },
              { label: 'Scope', cell: (b) => <code>{b.scope}</code> },
              {
                label: 'Effect',
                cell: (b) => (b.effect === 'deny' ? <Badge tone="bad">deny</Badge> : <Badge tone="good">allow</Badge>),
              },
              {
                label: 'Actions',
                cell: (b) =>
                  mayBind ? (
                    <button
                      type="button"
                      class="danger"
                      onClick={async () => {
                        setError(null);
                        try {
                          await must(
                            api.DELETE('/admin/v1/bindings/{binding_id}', { params: { path: { binding_id: b.id } } }),
                          );
                          bindings.reload();
                        } catch (caught) {
                          setError(caught);
                        }
                      }}
                    >
                      Remove
                    </button>
                  ) : null,
              },
            ]}
          />
        </Section>
      ) : null}
      {open === 'user' ? <NewUser onClose={() => setOpen(null)} onSaved={users.reload} /> : null}
      {open === 'binding' ? (
        <NewBinding
          roles={roles.data ?? []}
          users={users.data ?? []}
          onClose={() => setOpen(null)}
          onSaved={bindings.reload}
        />
      ) : null}
      {open !== null && typeof open === 'object' ? <NewToken user={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
