import { Command, CommanderError } from 'commander';
import { describeError } from '../common/errors.ts';
import { requireNativePrerequisites } from '../infra/prerequisites.ts';
import { nativePortCount } from '../infra/native/index.ts';
import { registerBench } from './commands/bench.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerFalseAlarms } from './commands/false-alarms.ts';
import { registerInfra } from './commands/infra.ts';
import { registerInit } from './commands/init.ts';
import { registerMatrix } from './commands/matrix.ts';
import { registerReplay } from './commands/replay.ts';
import { registerReport } from './commands/report.ts';
import { registerRun } from './commands/run.ts';
import type { CommandContext } from './context.ts';
import { barsWanted, createProgress } from './progress.ts';

/** Every command, in the order help lists them. A new command is one file in commands/ and one line here. */
const COMMANDS: readonly ((program: Command, ctx: CommandContext) => void)[] = [
  registerRun,
  registerReplay,
  registerMatrix,
  registerFalseAlarms,
  registerReport,
  registerBench,
  registerInfra,
  registerInit,
  registerDoctor,
];

async function main(argv: string[]): Promise<number> {
  const progress = createProgress({ bars: barsWanted() && !argv.includes('--json') });
  const program = new Command('outbox-chaos')
    .description('Chaos and correctness testing for transactional outbox implementations')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  let code = 0;
  const ctx: CommandContext = { progress, setCode: (c) => (code = c) };
  for (const register of COMMANDS) register(program, ctx);
  // A command that will start a native stack checks the machine first, before it reads a manifest
  // (whose prepare step may take minutes) or provisions anything.
  program.hook('preAction', async (_program, action) => {
    if (action.opts().provider === 'native')
      await requireNativePrerequisites({ ports: nativePortCount(Number(action.opts().kafkaBrokers ?? 1)) });
  });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; every other parse problem is bad input.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? 0
        : 2;
    }
    progress.stop();
    process.stderr.write(`outbox-chaos: ${describeError(err)}\n`);
    return 2;
  } finally {
    progress.stop();
  }
}

process.exitCode = await main(process.argv);
// A client library that leaves a handle open must not keep a finished run from exiting.
setTimeout(() => process.exit(), 2_000).unref();
