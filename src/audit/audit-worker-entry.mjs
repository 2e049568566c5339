// Worker threads do not inherit the parent's module hooks, so the audit thread registers the TypeScript loader
// itself before loading its real entry.
import { register } from 'tsx/esm/api';

register();
await import('./audit-worker.ts');
