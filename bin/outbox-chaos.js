#!/usr/bin/env node
// The outbox-chaos command. The harness is TypeScript, loaded through tsx's ESM hooks.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
