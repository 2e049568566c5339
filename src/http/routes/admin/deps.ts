import type { PolicyEngine } from '../../../domain/rbac/index.ts';
import type { AdminService, IdentityService } from '../../../identity/index.ts';
import type { PromptLogStore } from '../../../prompt-log/index.ts';
import type { SecretService } from '../../../secrets/index.ts';
import type { Store } from '../../../store/index.ts';
import type { IdempotencyStore } from './common.ts';

export interface AdminRoutesDeps {
  store: Store;
  identity: IdentityService;
  admin: AdminService;
  secrets: SecretService;
  idempotency: IdempotencyStore;
  /** Opt-in prompt logs (read with `prompts.read`); null in apps built without one. */
  promptLogs: PromptLogStore | null;
  /** The live policy engine (for the escalation guard on new bindings). */
  engine(): PolicyEngine;
  /** Reloads this instance's snapshots right after a write, so the next request here already sees it. */
  refreshSnapshots(): Promise<void>;
}
