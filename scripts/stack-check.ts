// `npm run stack-check`: proves the stack on this machine. It brings up PostgreSQL, Kafka and
// Toxiproxy, sends a round trip through every proxy, prints what it did, and tears everything
// down. Exit 0 when every link carried its round trip, 2 otherwise.
//   npm run stack-check -- --provider containers|auto   (default native)
import { startStack } from '../harness/infra/index.ts';
import { describeError } from '../harness/common/errors.ts';
import { roundTripEveryLink } from '../harness/infra/roundtrip.ts';
import type { Stack } from '../harness/infra/stack.ts';

let stack: Stack | undefined;
let exitCode = 0;
try {
  const t0 = performance.now();
  const at = process.argv.indexOf('--provider');
  const provider = (at > 0 ? process.argv[at + 1] : 'native') as 'native' | 'containers' | 'auto';
  if (!['native', 'containers', 'auto'].includes(provider))
    throw new Error(`--provider must be native, containers or auto, not "${provider}"`);
  stack = await startStack({ provider, log: (line) => console.log(line) });
  const startMs = performance.now() - t0;
  console.log(`stack ${stack.id} up in ${(startMs / 1000).toFixed(1)}s`);
  console.log(`  postgres  127.0.0.1:${stack.postgres.endpoint.port} (pid ${stack.postgres.pid})`);
  console.log(`  kafka     127.0.0.1:${stack.kafka.endpoint.port} direct (pid ${stack.kafka.pid})`);
  console.log(`  toxiproxy ${stack.toxiproxyUrl}`);
  const run = await stack.newRun({ partitions: 3 });
  console.log(`run ${run.id}: database ${run.database}, topic ${run.topic} (3 partitions)`);
  for (const r of await roundTripEveryLink(stack, run)) {
    console.log(`  ${r.link.padEnd(15)} ${r.via.padEnd(52)} ${r.what} (${r.ms.toFixed(0)} ms)`);
  }
  await run.drop();
  console.log('every link carried its round trip');
} catch (err) {
  console.error(`stack-check: ${describeError(err)}`);
  exitCode = 2;
} finally {
  const t1 = performance.now();
  await stack?.stop().catch((err) => {
    console.error(`stack-check: teardown failed: ${describeError(err)}`);
    exitCode = 2;
  });
  if (stack) console.log(`stack torn down in ${((performance.now() - t1) / 1000).toFixed(1)}s`);
}
process.exit(exitCode);
