#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so `npx gatehouse` works right after `npm install`
// with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
