/** One JSON object per line on stdout: the harness keeps these logs, and people grep them. */
export function logLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...fields })}\n`);
}
