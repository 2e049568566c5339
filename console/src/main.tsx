/**
 * @module The console's shell: sign-in (token pasted once, or the identity provider), then the navigation, the
 * signed-in principal and the page. Pages are listed only when the principal may read what they show.
 */
import './styles.css';
import 'uplot/dist/uPlot.min.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, must, setCsrfToken } from './api.ts';
import { AdminsPage } from './pages/admins.tsx';
import { AuditPage } from './pages/audit.tsx';
import { KeysPage } from './pages/keys.tsx';
import { LlmPage } from './pages/llm.tsx';
import { McpPage } from './pages/mcp.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TenantsPage } from './pages/tenants.tsx';
import { UsagePage } from './pages/usage.tsx';
import { VaultPage } from './pages/vault.tsx';
import { BASE, navigate, useRoute } from './router.ts';
import { SessionContext } from './scope.tsx';
import { canAnywhere, type SessionShape } from './session.ts';
import { ErrorNote } from './ui.tsx';

interface PageEntry {
  path: string;
  title: string;
  visible(session: SessionShape): boolean;
  render(): preact.JSX.Element;
}

const PAGES: PageEntry[] = [
  { path: '', title: 'Overview', visible: () => true, render: () => <OverviewPage /> },
  {
    path: 'tenants',
    title: 'Tenants and teams',
    visible: (s) => canAnywhere(s, 'admin.tenants.read') || canAnywhere(s, 'admin.teams.read'),
    render: () => <TenantsPage />,
  },
  { path: 'keys', title: 'Keys', visible: (s) => canAnywhere(s, 'admin.keys.read'), render: () => <KeysPage /> },
  { path: 'usage', title: 'Usage', visible: (s) => canAnywhere(s, 'admin.usage.read'), render: () => <UsagePage /> },
  {
    path: 'audit',
    title: 'Audit',
    // Audit is read at the platform or a tenant: a binding on one team alone does not reach it.
    visible: (s) => s.grants.some((g) => !g.scope.includes('/team:') && g.permissions.includes('admin.audit.read')),
    render: () => <AuditPage />,
  },
  {
    path: 'llm',
    title: 'LLM upstreams',
    visible: (s) => canAnywhere(s, 'admin.llm.read') || canAnywhere(s, 'admin.prices.read'),
    render: () => <LlmPage />,
  },
  { path: 'mcp', title: 'MCP tools', visible: (s) => canAnywhere(s, 'admin.mcp.read'), render: () => <McpPage /> },
  { path: 'vault', title: 'Vault', visible: (s) => canAnywhere(s, 'admin.vault.read'), render: () => <VaultPage /> },
  {
    path: 'admins',
    title: 'Administrators',
    visible: (s) => ['admin.users.read', 'admin.roles.read', 'admin.bindings.read'].some((p) => canAnywhere(s, p)),
    render: () => <AdminsPage />,
  },
];

function Shell(props: { session: SessionShape; onSignOut(): void }) {
  const { page } = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const visible = PAGES.filter((entry) => entry.visible(props.session));
  const entry = PAGES.find((candidate) => candidate.path === page);
  useEffect(() => {
    document.title = `${entry?.title ?? 'Not found'} · Gatehouse`;
    setMenuOpen(false);
    // On navigation, not on first load: a screen reader then hears the new page, and a fresh load starts at the
    // skip link as any page does.
    if (!first.current) main.current?.querySelector('h1')?.focus();
    first.current = false;
  }, [entry]);
  return (
    <SessionContext.Provider value={props.session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a
          class="brand"
          href={BASE}
          onClick={(event) => {
            event.preventDefault();
            navigate('');
          }}
        >
          Gatehouse
        </a>
        <button
          type="button"
          class="ghost menu"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div class="who">
          <span data-testid="principal">{props.session.principal.name}</span>
          <button type="button" class="ghost" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="layout">
        <nav id="nav" aria-label="Console" class={menuOpen ? 'open' : undefined}>
          <ul>
            {visible.map((item) => (
              <li key={item.path}>
                <a
                  href={`${BASE}${item.path}`}
                  aria-current={item.path === page ? 'page' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(item.path);
                  }}
                >
                  {item.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main}>
          {entry && visible.includes(entry) ? (
            entry.render()
          ) : (
            <>
              <h1 tabIndex={-1}>{entry ? 'Not allowed' : 'Not found'}</h1>
              <p>
                {entry
                  ? 'Your roles do not include reading this page. Ask an administrator for a binding that does.'
                  : 'There is no such page.'}
              </p>
            </>
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function App() {
  const [session, setSession] = useState<SessionShape | null>(null);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const adopt = (next: SessionShape | null) => {
    setCsrfToken(next?.csrf_token ?? null);
    setSession(next);
  };
  useEffect(() => {
    api.GET('/console/session').then(
      ({ data }) => {
        adopt(data ?? null);
        setChecked(true);
      },
      (caught: unknown) => {
        setError(caught);
        setChecked(true);
      },
    );
  }, []);
  if (!checked) return <p class="muted">Loading…</p>;
  if (session === null) {
    return (
      <>
        <ErrorNote error={error} />
        <SignInPage onSignedIn={adopt} />
      </>
    );
  }
  return (
    <Shell
      session={session}
      onSignOut={async () => {
        await must(api.DELETE('/console/session')).catch(() => {});
        adopt(null);
        navigate('');
      }}
    />
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
