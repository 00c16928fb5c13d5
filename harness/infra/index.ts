import { HarnessError } from '../common/errors.ts';
import { engineReachable, startContainersStack } from './containers/index.ts';
import type { ImageSet } from './containers/images.ts';
import { startNativeStack, type NativeStackOptions } from './native/index.ts';
import type { ProviderName, Stack } from './stack.ts';

export type { Stack, RunEnv, Route, ServiceControl, ProviderName } from './stack.ts';
export type { LinkControl, ToxicSpec, ToxicType, Endpoint } from './link-control.ts';
export { LINK_NAMES, LINKS, type LinkName } from './links.ts';

export interface StackOptions extends NativeStackOptions {
  /** auto: containers when a Docker engine answers, native otherwise. */
  readonly provider?: ProviderName | 'auto';
  /** Container images, per service (containers provider only). */
  readonly images?: Partial<ImageSet>;
}

export function resolveProvider(provider: ProviderName | 'auto' = 'native'): ProviderName {
  return provider === 'auto' ? (engineReachable() ? 'containers' : 'native') : provider;
}

/** The one entry point to infrastructure: the rest of the harness never names a provider's internals. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const provider = resolveProvider(options.provider);
  if (options.provider === 'auto') options.log?.(`[stack] --provider auto: ${provider}`);
  switch (provider) {
    case 'native':
      return startNativeStack(options);
    case 'containers':
      if (options.basePort !== undefined)
        throw new HarnessError(
          '--base-port applies to the native provider; the containers provider maps free host ports',
        );
      return startContainersStack(options);
  }
}
