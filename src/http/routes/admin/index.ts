import type { FastifyInstance } from 'fastify';
import { accessRoutes } from './access.ts';
import { auditRoutes } from './audit.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { keyRoutes } from './keys.ts';
import { promptLoggingRoutes } from './prompt-logging.ts';
import { secretRoutes } from './secrets.ts';
import { tenantRoutes } from './tenants.ts';

/** The admin API (`/admin/v1/*`): every route authenticated with an admin token or OIDC JWT and RBAC-authorized. */
export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  await tenantRoutes(app, deps);
  await keyRoutes(app, deps);
  await promptLoggingRoutes(app, deps);
  await accessRoutes(app, deps);
  await auditRoutes(app, deps);
  await secretRoutes(app, deps);
}

export type { AdminRoutesDeps } from './deps.ts';
export { createIdempotencyStore } from './idempotency-store.ts';
