import { ensureProvisioned } from '../harness/infra/provision.ts';

// Provision once before any worker starts a stack (workers would otherwise queue on the lock).
export default async function setup(): Promise<void> {
  await ensureProvisioned({ log: (line) => console.log(line) });
}
