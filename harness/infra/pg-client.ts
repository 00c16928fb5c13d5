import pg from 'pg';

/** One short-lived connection for the harness's own admin work. */
export async function withPgClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
  connectTimeoutMs = 5_000,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server killed under us emits 'error' on the idle client; the awaited query reports it.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Healthy = the server accepts a connection and answers a query within a second each. Throws otherwise. */
export async function probePostgres(url: string): Promise<void> {
  await withPgClient(url, (c) => c.query('SELECT 1'), 1_000);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
