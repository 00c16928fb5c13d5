import { InvalidArgumentError } from 'commander';
import { HarnessError } from '../infra/errors.ts';
import type { StackOptions } from '../infra/index.ts';

/** Argument parsers shared by the commands: a bad value is a clear message and exit 2. */
export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
export const integer = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};
export const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);


/** The stack a command asked for. */
export function stackOptions(flags: { provider: string; basePort?: number }): Pick<StackOptions, 'provider' | 'basePort'> {
  if (flags.provider === 'containers') throw new HarnessError('the containers provider is not available yet; use --provider native');
  // auto: containers when a Docker engine is reachable, once that provider exists; native until then.
  return { provider: 'native', basePort: flags.basePort };
}

