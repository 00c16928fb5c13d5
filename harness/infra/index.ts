import { HarnessError } from './errors.ts';
import { startNativeStack, type NativeStackOptions } from './native/index.ts';
import type { ProviderName, Stack } from './stack.ts';

export type { Stack, RunEnv, Route, ServiceControl, ProviderName } from './stack.ts';
export type { LinkControl, ToxicSpec, ToxicType, Endpoint } from './link-control.ts';
export { LINK_NAMES, LINKS, type LinkName } from './links.ts';

export interface StackOptions extends NativeStackOptions {
  readonly provider?: ProviderName;
}

/** The one entry point to infrastructure: the rest of the harness never names a provider's internals. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const provider = options.provider ?? 'native';
  switch (provider) {
    case 'native':
      return startNativeStack(options);
    case 'containers':
      throw new HarnessError('the containers provider is not built yet; use --provider native');
  }
}
