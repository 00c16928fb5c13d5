/**
 * Sends one business op to an app over the HTTP write interface and classifies the outcome the
 * way Jepsen does: ok (committed), fail (certainly not committed), info (unknown: the harness
 * resolves it later against the final database state).
 */

export interface OpRequest {
  readonly op_id: string;
  readonly type: 'deposit' | 'transfer';
  readonly account?: string;
  readonly from?: string;
  readonly to?: string;
  readonly amount: number;
  readonly abort?: boolean;
  readonly hold_ms?: number;
  /** A deposit applied this many times in one transaction: several events of one aggregate. */
  readonly repeat?: number;
  readonly memo?: string;
}

export interface CommittedEvent {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly seq: number;
}

export type WriteOutcome =
  | { readonly type: 'ok'; readonly events: CommittedEvent[] }
  | { readonly type: 'fail'; readonly error: string }
  | { readonly type: 'info'; readonly error: string };

/** Connection errors that prove the request never reached the app. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EADDRNOTAVAIL']);

export async function sendOp(baseUrl: string, path: string, op: OpRequest, timeoutMs: number): Promise<WriteOutcome> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const error = code ?? (err instanceof Error ? err.message : String(err));
    return code && NOT_SENT.has(code) ? { type: 'fail', error } : { type: 'info', error };
  }
  let body: { outcome?: string; error?: string; events?: { event_id: string; aggregate_id: string; seq: number }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    return { type: 'info', error: `HTTP ${res.status} with a body that is not JSON` };
  }
  if (res.status === 200 && body.outcome === 'committed' && Array.isArray(body.events)) {
    return {
      type: 'ok',
      events: body.events.map((e) => ({ eventId: e.event_id, aggregateId: e.aggregate_id, seq: Number(e.seq) })),
    };
  }
  if ((res.status === 200 && body.outcome === 'rolled-back') || body.outcome === 'failed') {
    return { type: 'fail', error: body.error ?? body.outcome ?? `HTTP ${res.status}` };
  }
  return { type: 'info', error: body.error ?? `HTTP ${res.status} ${body.outcome ?? ''}`.trim() };
}
