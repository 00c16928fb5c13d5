// `npm run images`: builds the local, interface-compatible postgres, Kafka and toxiproxy images for
// the containers provider (no image registry is reachable here), starting the Docker engine if it
// is not running. Idempotent; --force rebuilds.
import { buildLocalImages } from '../harness/infra/containers/images.ts';
import { describeError } from '../harness/common/errors.ts';

try {
  const started = Date.now();
  const images = await buildLocalImages({ force: process.argv.includes('--force'), log: (line) => console.log(line) });
  console.log(`[images] ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${Object.values(images).join(', ')}`);
  console.log(
    '[images] use them with OUTBOX_CHAOS_IMAGES=local (or one by one with OUTBOX_CHAOS_POSTGRES_IMAGE, _KAFKA_IMAGE, _TOXIPROXY_IMAGE)',
  );
} catch (err) {
  console.error(`building the images failed: ${describeError(err)}`);
  process.exit(2);
}
