import type { FastifyInstance } from 'fastify';
import { type UsageRoutesOptions, usageReportRoutes } from './report.ts';

/**
 * The usage family: `GET /admin/v1/usage`, reports from the spend ledger. Registered by `buildApp` with the
 * gateway's store and ledger, or with `null` (503 `store_unavailable`) when an app is built without them.
 */
export async function usageRoutes(app: FastifyInstance, options: UsageRoutesOptions): Promise<void> {
  await app.register(usageReportRoutes, options);
}

export type { UsageRoutesDeps, UsageRoutesOptions } from './report.ts';
export { usageSurfaces } from './surfaces.ts';
