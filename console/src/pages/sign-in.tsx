import { useState } from 'preact/hooks';
import { api, must } from '../api.ts';
import type { SessionShape } from '../session.ts';
import { ActionForm, Field } from '../ui.tsx';

const oidcOffered = document.querySelector('meta[name="gatehouse-oidc"]')?.getAttribute('content') === 'on';

/**
 * Sign-in. The token is sent once and dropped: the gateway answers with an HttpOnly cookie, so nothing on this
 * page (or any script that ever ran in it) can read a credential afterwards.
 */
export function SignInPage(props: { onSignedIn(session: SessionShape): void }) {
  const [token, setToken] = useState('');
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Gatehouse</h1>
      {oidcOffered ? (
        <p>
          <a class="button primary" href="/console/oidc/login">
            Sign in with your identity provider
          </a>
        </p>
      ) : null}
      <ActionForm
        submit="Sign in with the token"
        action={async () => {
          const session = await must(api.POST('/console/session', { body: { token: token.trim() } }));
          setToken('');
          props.onSignedIn(session);
        }}
      >
        <Field
          label="Admin token"
          name="token"
          type="password"
          value={token}
          onInput={setToken}
          required
          placeholder="gha_…"
          hint="Pasted once; the browser keeps only a session cookie that scripts cannot read."
        />
      </ActionForm>
      <details open={!oidcOffered}>
        <summary>No token yet?</summary>
        <p>On the machine that runs the gateway, create the first administrator; it prints a token once:</p>
        <pre>
          <code>npx gatehouse admin bootstrap --email you@example.com</code>
        </pre>
        <p>
          Paste the printed <code>gha_…</code> token above.
        </p>
      </details>
    </main>
  );
}
