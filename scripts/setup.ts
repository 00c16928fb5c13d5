// `npm run setup`: provisions Kafka, toxiproxy-server and checks PostgreSQL. Idempotent.
import { describeError } from '../harness/common/errors.ts';
import { ensureProvisioned, KAFKA_VERSION, TOXIPROXY_VERSION } from '../harness/infra/provision.ts';

try {
  const started = Date.now();
  const p = await ensureProvisioned({ log: (line) => console.log(line) });
  console.log(`[setup] PostgreSQL ${p.postgres.major}: ${p.postgres.binDir}`);
  console.log(`[setup] Java: ${p.java}`);
  console.log(`[setup] Kafka ${KAFKA_VERSION}: ${p.kafkaLibs}`);
  console.log(`[setup] toxiproxy-server ${TOXIPROXY_VERSION}: ${p.toxiproxyServer}`);
  console.log(`[setup] ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
} catch (err) {
  console.error(`setup failed: ${describeError(err)}`);
  process.exit(2);
}
