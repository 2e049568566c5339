import type { Surface } from '../../surfaces.ts';

/**
 * The web console. Its pages and assets are public (they hold no data: every datum comes from the admin API under
 * the signed-in principal's RBAC); sign-in, session and sign-out are audited like any other surface, and the
 * session routes resolve the cookie themselves (any signed-in principal may read or end its own session).
 */
export const consoleSurfaces: Surface[] = [
  {
    id: 'console.root',
    method: 'GET',
    path: '/',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'Redirects to the console.',
  },
  {
    id: 'console.page',
    method: 'GET',
    path: '/console',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: "The console's page (a single-page app; its data comes from the admin API).",
  },
  {
    id: 'console.asset',
    method: 'GET',
    path: '/console/*',
    auth: ['none'],
    permissions: [],
    auditMeta: ['asset'],
    classification: 'public',
    description: "The console's pages (deep links) and its prebuilt, content-hashed assets.",
  },
  {
    id: 'console.session.create',
    method: 'POST',
    path: '/console/session',
    auth: ['none'],
    permissions: [],
    auditMeta: ['sign_in'],
    classification: 'confidential',
    description: 'Sign in with an admin token pasted once; answers with an HttpOnly session cookie, never the token.',
  },
  {
    id: 'console.session.get',
    method: 'GET',
    path: '/console/session',
    auth: ['none'],
    permissions: [],
    auditMeta: ['sign_in'],
    classification: 'confidential',
    description: "The signed-in principal, its CSRF token and what it may do at which scope (the cookie's session).",
  },
  {
    id: 'console.session.delete',
    method: 'DELETE',
    path: '/console/session',
    auth: ['none'],
    permissions: [],
    auditMeta: ['sign_in'],
    classification: 'confidential',
    description: "Sign out: ends the cookie's session on every instance.",
  },
  {
    id: 'console.oidc.login',
    method: 'GET',
    path: '/console/oidc/login',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'Starts browser sign-in: redirects to the identity provider (authorization code with PKCE).',
  },
  {
    id: 'console.oidc.callback',
    method: 'GET',
    path: '/console/oidc/callback',
    auth: ['none'],
    permissions: [],
    auditMeta: ['sign_in'],
    classification: 'confidential',
    description: "The identity provider's redirect back: checks state, exchanges the code, verifies the ID token.",
  },
];
