import type { RoutingConfig } from '../providers/index.ts';

/** An upstream as the router takes it (`api_keys` optional, plaintext, never persisted in this form). */
export type UpstreamInput = RoutingConfig['upstreams'][number];
