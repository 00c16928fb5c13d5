import type { Proxy, Toxiproxy } from 'toxiproxy-node-client';
import { HarnessError, describeError } from '../common/errors.ts';
import type { LinkName } from './links.ts';

/**
 * The toxics Toxiproxy offers, every one of which the nemesis may draw. A partition is not a
 * toxic: it is a disabled proxy.
 */
export type ToxicType = 'latency' | 'timeout' | 'reset_peer' | 'bandwidth' | 'slicer' | 'limit_data' | 'slow_close';

export interface ToxicSpec {
  readonly type: ToxicType;
  /** upstream = client to server, downstream = server to client. */
  readonly stream: 'upstream' | 'downstream';
  /** Fraction of connections affected, 0..1. */
  readonly toxicity?: number;
  readonly attributes: Readonly<Record<string, number>>;
  readonly name?: string;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** One or more Toxiproxy proxies acted on as one: a link, or the proxies between two brokers. */
export interface ProxyControl {
  /** Partition: the proxies stop listening and drop their open connections. */
  disable(): Promise<void>;
  enable(): Promise<void>;
  /** Returns the toxic's name, for removeToxic. */
  addToxic(spec: ToxicSpec): Promise<string>;
  removeToxic(name: string): Promise<void>;
  /** Enabled, no toxics. */
  heal(): Promise<void>;
  /** What the proxy server reports now: enabled only if every proxy is, and the toxics of any. */
  state(): Promise<LinkState>;
}

/** One proxied link, as the nemesis sees it. */
export interface LinkControl extends ProxyControl {
  readonly name: LinkName;
  /** Where SUT processes on this link connect (the first broker's proxy on a Kafka cluster). */
  readonly endpoint: Endpoint;
}

export interface LinkState {
  readonly enabled: boolean;
  readonly toxics: readonly { readonly name: string; readonly type: string; readonly stream: string }[];
}

let toxicSerial = 0;

/**
 * Proxies acted on together. On a Kafka cluster one link is a proxy per broker (each broker
 * advertises its own), and a partition of the link must cut every one of them, or a client would
 * simply carry on through another broker.
 */
export function proxyControl(client: Toxiproxy, label: string, proxies: readonly string[]): ProxyControl {
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new HarnessError(`toxiproxy: could not ${what} on ${label}: ${describeError(err)}`);
    }
  };
  // Every proxy is tried even when one fails: a heal that stopped at the first error would leave
  // the others cut. The first error is thrown once all have been tried.
  const each = async (fn: (p: Proxy) => Promise<void>) => {
    let first: unknown;
    let failed = false;
    for (const name of proxies) {
      try {
        await fn(await client.get(name));
      } catch (err) {
        if (!failed) first = err;
        failed = true;
      }
    }
    if (failed) throw first;
  };
  const setEnabled = (enabled: boolean) =>
    guard(enabled ? 'enable' : 'disable', () =>
      each(async (p) => {
        await p.update({ listen: p.listen, upstream: p.upstream, enabled });
      }),
    );
  return {
    async disable() {
      try {
        await setEnabled(false);
      } catch (err) {
        // A partition that failed half-way is not reported as started, so it must not stay half cut.
        await setEnabled(true).catch(() => {});
        throw err;
      }
    },
    enable: () => setEnabled(true),
    addToxic: (spec) =>
      guard(`add a ${spec.type} toxic`, async () => {
        const toxicName = spec.name ?? `${spec.type}-${spec.stream}-${++toxicSerial}`;
        const added: Proxy[] = [];
        try {
          for (const name of proxies) {
            const p = await client.get(name);
            await p.addToxic({
              name: toxicName,
              type: spec.type,
              stream: spec.stream,
              toxicity: spec.toxicity ?? 1,
              attributes: spec.attributes,
            });
            added.push(p);
          }
        } catch (err) {
          // Taken back from the proxies that got it, as the caller will not remove what failed.
          for (const p of added)
            await p
              .getToxic(toxicName)
              .then((t) => t.remove())
              .catch(() => {});
          throw err;
        }
        return toxicName;
      }),
    removeToxic: (toxicName) =>
      guard(`remove toxic ${toxicName}`, () =>
        each(async (p) => {
          await (await p.getToxic(toxicName)).remove();
        }),
      ),
    heal: () =>
      guard('heal', () =>
        each(async (p) => {
          for (const toxic of await listToxics(p)) await (await p.getToxic(toxic.name)).remove();
          if (!p.enabled) await p.update({ listen: p.listen, upstream: p.upstream, enabled: true });
        }),
      ),
    state: () =>
      guard('read the state', async () => {
        // Enabled only when every proxy is; the toxics of each, once per name, so that a heal that
        // reached only some of a link's proxies does not look healthy.
        let enabled = true;
        const toxics = new Map<string, LinkState['toxics'][number]>();
        for (const name of proxies) {
          const p = await client.get(name);
          enabled &&= p.enabled;
          for (const t of await listToxics(p)) if (!toxics.has(t.name)) toxics.set(t.name, t);
        }
        return { enabled, toxics: [...toxics.values()] };
      }),
  };
}

/** A link's control; its proxies are named after it unless given (one per broker on a cluster). */
export function linkControl(
  client: Toxiproxy,
  name: LinkName,
  endpoint: Endpoint,
  proxies: readonly string[] = [name],
): LinkControl {
  return { name, endpoint, ...proxyControl(client, `link ${name}`, proxies) };
}

/** The client's Proxy does not keep its toxics, so they are read from the server's REST API. */
async function listToxics(p: Proxy): Promise<LinkState['toxics']> {
  const { data } = await p.api.get<{ name: string; type: string; stream: string }[]>(`${p.getPath()}/toxics`);
  return (data ?? []).map((t) => ({ name: t.name, type: t.type, stream: t.stream }));
}
