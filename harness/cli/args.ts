import { type Command, InvalidArgumentError, Option } from 'commander';
import { HarnessError } from '../infra/errors.ts';
import type { StackOptions } from '../infra/index.ts';
import { NATIVE_PORT_COUNT } from '../infra/native/index.ts';

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

/** --provider and --base-port, for every command that starts a stack. */
export function stackFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--provider <provider>', 'where the stack runs: native processes, Docker containers, or auto (containers when Docker is reachable)')
        .choices(['native', 'containers', 'auto'])
        .default('native'),
    )
    .option('--base-port <n>', `run the stack on fixed ports from n (${NATIVE_PORT_COUNT} of them) instead of free ones`, positiveInt('--base-port'));
}

/** The stack a command asked for. */
export function stackOptions(flags: { provider: string; basePort?: number }): Pick<StackOptions, 'provider' | 'basePort'> {
  if (flags.provider === 'containers') throw new HarnessError('the containers provider is not available yet; use --provider native');
  // auto: containers when a Docker engine is reachable, once that provider exists; native until then.
  return { provider: 'native', basePort: flags.basePort };
}

