import type { Command } from 'commander';
import { infraDown, infraStatus, infraUp, serveInfra } from '../../infra/daemon.ts';
import { stackFlags, stackOptions, type StackFlags } from '../args.ts';
import { out, type CommandContext } from '../context.ts';

/** `infra up|down|status`: a stack that stays up between commands. */
export function registerInfra(program: Command, ctx: CommandContext): void {
  const infra = program.command('infra').description('a stack that stays up between commands: up, down, status');
  const named = (cmd: Command) => cmd.option('--name <name>', 'which stack, when several are up', 'default');

  stackFlags(
    named(infra.command('up').description('start the stack in the background and print where each part listens')),
  )
    .option('--json', 'print the state as JSON')
    .action(async (flags: StackFlags & { name: string; json?: boolean }) => {
      stackOptions(flags); // bad flags fail here, not in the background
      const args = [
        '--provider',
        flags.provider,
        ...(flags.basePort ? ['--base-port', String(flags.basePort)] : []),
        ...(flags.kafkaBrokers ? ['--kafka-brokers', flags.kafkaBrokers] : []),
        ...(flags.postgresImage ? ['--postgres-image', flags.postgresImage] : []),
        ...(flags.kafkaImage ? ['--kafka-image', flags.kafkaImage] : []),
        ...(flags.toxiproxyImage ? ['--toxiproxy-image', flags.toxiproxyImage] : []),
      ];
      const state = await infraUp(flags.name, args, (l) => process.stderr.write(`${l}\n`));
      if (flags.json) return out(JSON.stringify(state, null, 2));
      const e = state.endpoints!;
      out(`stack "${flags.name}" is ${state.already ? 'already ' : ''}up (pid ${state.pid}, ${state.provider})`);
      out(`  postgres   ${e.postgres}`);
      out(`  kafka      ${e.kafka}`);
      out(`  toxiproxy  ${e.toxiproxy}`);
      for (const [link, where] of Object.entries(e.links)) out(`  ${link.padEnd(15)}${where}`);
      out(`stop it with: npx outbox-chaos infra down${flags.name === 'default' ? '' : ` --name ${flags.name}`}`);
    });

  named(infra.command('down').description('stop the stack and remove everything it started')).action(
    async (flags: { name: string }) => {
      out((await infraDown(flags.name)) ? `stack "${flags.name}" is down` : `no stack "${flags.name}" is up`);
    },
  );

  named(
    infra
      .command('status')
      .description('ask each part of the stack whether it answers; exit 0 when all do, 2 otherwise'),
  )
    .option('--json', 'print the status as JSON')
    .action(async (flags: { name: string; json?: boolean }) => {
      const { state, running, health } = await infraStatus(flags.name);
      const healthy = running && state?.status === 'up' && health.length > 0 && health.every((h) => h.ok);
      ctx.setCode(healthy ? 0 : 2);
      if (flags.json)
        return out(JSON.stringify({ name: flags.name, healthy, running, state: state ?? null, health }, null, 2));
      if (!state) return out(`no stack "${flags.name}" is up`);
      if (!running)
        return out(
          `stack "${flags.name}" is not running (its process ${state.pid} is gone); run "infra down" to clear it`,
        );
      out(`stack "${flags.name}": ${state.status}, pid ${state.pid}, since ${state.startedAt}`);
      for (const h of health) out(`  ${h.component.padEnd(10)} ${h.ok ? 'ok  ' : 'DOWN'} ${h.detail}`);
    });

  // The detached owner that `infra up` starts; not for people.
  stackFlags(named(infra.command('serve', { hidden: true }))).action(async (flags: StackFlags & { name: string }) => {
    await serveInfra(flags.name, stackOptions(flags));
    await new Promise(() => {});
  });
}
