/** Environment parsing for the reference processes: a bad value stops the process with one line. */

export class ConfigError extends Error {}

export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is required`);
  return value;
}

export function optional(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function int(name: string, fallback: number, min = 0): number {
  const raw = optional(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function brokers(): string[] {
  return required('KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** Runs main; configuration errors and crashes end the process with a one-line reason. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name}: ${err instanceof ConfigError ? 'bad configuration: ' : ''}${message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
