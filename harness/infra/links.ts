/**
 * The proxied links of one run: each role's connection to PostgreSQL or Kafka is its own Toxiproxy
 * proxy, so a fault can cut one link and leave the others up. The observer never uses a link.
 *
 * app-kafka is not in the reference topology: only the broken dual-write variants publish from
 * the app, and they need a link of their own so that a partition can hit them too.
 */
export const LINKS = {
  'app-pg': { target: 'postgres' },
  'relay-pg': { target: 'postgres' },
  'consumer-pg': { target: 'postgres' },
  'relay-kafka': { target: 'kafka' },
  'consumer-kafka': { target: 'kafka' },
  'app-kafka': { target: 'kafka' },
} as const satisfies Record<string, { target: 'postgres' | 'kafka' }>;

export type LinkName = keyof typeof LINKS;
export type LinkTarget = (typeof LINKS)[LinkName]['target'];
export const LINK_NAMES = Object.keys(LINKS) as LinkName[];

export function linksTo(target: LinkTarget): LinkName[] {
  return LINK_NAMES.filter((name) => LINKS[name].target === target);
}

/** Kafka listener names must be identifiers: relay-kafka -> LINK_RELAY_KAFKA. */
export function kafkaListenerName(link: LinkName): string {
  return `LINK_${link.toUpperCase().replace(/-/g, '_')}`;
}
