import fs from 'node:fs';
import { readIfExists } from '../common/files.ts';

/**
 * Where the machine's processors went during one measured window. On a small machine the stack,
 * the SUT and the harness share a few cores: a relay slower than a limit, or a latency tail, may
 * be the machine running out of processors rather than the relay doing too much, and this says
 * which. Read from Linux's /proc; absent elsewhere.
 */
export interface CpuUse {
  /** Processors the machine has. */
  readonly cores: number;
  /**
   * How long the window was. Times are counted in hundredths of a second per process, so over a
   * tenth of a second a part's figure is only good to about a tenth of a core.
   */
  readonly seconds: number;
  /** Processors busy on average over the window, by whatever ran (the kernel's own count). */
  readonly busy: number;
  /**
   * Processors' worth of time the hypervisor ran something else while this machine's wanted to
   * run (the kernel's "steal"), on average over the window; not in `busy`. On a shared virtual
   * machine this is the usual reason the same run is slower one minute than the next.
   */
  readonly stolen: number;
  /**
   * Processors used on average over the window, per part: the SUT's roles (relay, consumer, app,
   * each with the processes it started), postgres, kafka, toxiproxy, the harness, other.
   */
  readonly by: Readonly<Record<string, number>>;
}

/** What a process is by its own name, when it is part of the stack. */
export type StackPart = 'postgres' | 'kafka' | 'toxiproxy';

export interface ProcessSample {
  readonly ppid: number;
  /** When it started (clock ticks since boot): a pid reused in the window is a new process. */
  readonly start: number;
  /** User and system time so far, in clock ticks. */
  readonly ticks: number;
  readonly part: StackPart | null;
}

export interface CpuSnapshot {
  readonly atMs: number;
  readonly cores: number;
  /** Machine-wide clock ticks: busy ones, stolen ones, and all of them over every processor. */
  readonly busyTicks: number;
  readonly stealTicks: number;
  readonly totalTicks: number;
  readonly processes: ReadonlyMap<number, ProcessSample>;
}

/** /proc/stat's aggregate "cpu" line: every field counts ticks; idle and iowait are the idle ones, steal the stolen. */
export function parseProcStat(
  text: string,
): { cores: number; busyTicks: number; stealTicks: number; totalTicks: number } | null {
  const lines = text.split('\n');
  const total = lines.find((l) => l.startsWith('cpu '));
  if (!total) return null;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const f = total.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const idle = f[3]! + (f[4] ?? 0);
  const steal = f[7] ?? 0;
  const all = f.reduce((a, b) => a + b, 0);
  return {
    cores: lines.filter((l) => /^cpu\d+ /.test(l)).length,
    busyTicks: all - idle - steal,
    stealTicks: steal,
    totalTicks: all,
  };
}

/** /proc/<pid>/stat: the name is in parentheses and may itself hold spaces and parentheses. */
export function parsePidStat(text: string): { name: string; ppid: number; ticks: number; start: number } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Fields from the state on: state ppid ... utime (14th of the line) stime ... starttime (22nd).
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const ticks = Number(f[11]) + Number(f[12]);
  const start = Number(f[19]);
  if (![ppid, ticks, start].every(Number.isFinite)) return null;
  return { name: text.slice(open + 1, close), ppid, ticks, start };
}

/** The stack's processes by name; Kafka's broker is a java process whose command runs kafka.Kafka. */
export function stackPart(name: string, commandLine: () => string): StackPart | null {
  if (name === 'postgres') return 'postgres';
  if (name.startsWith('toxiproxy')) return 'toxiproxy';
  if (name === 'java' && /(^|\0)kafka\.Kafka(\0|$)/.test(commandLine())) return 'kafka';
  return null;
}

/** Every process's time so far, and the machine's; null where there is no /proc to read. */
export function takeSnapshot(): CpuSnapshot | null {
  const stat = readIfExists('/proc/stat');
  const machine = stat === undefined ? null : parseProcStat(stat);
  if (!machine) return null;
  const processes = new Map<number, ProcessSample>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readIfExists(`/proc/${entry}/stat`);
    const p = text === undefined ? null : parsePidStat(text);
    // Gone between the listing and the read: it no longer counts, either way.
    if (!p) continue;
    const part = stackPart(p.name, () => readIfExists(`/proc/${entry}/cmdline`) ?? '');
    processes.set(Number(entry), { ppid: p.ppid, ticks: p.ticks, start: p.start, part });
  }
  return { atMs: Date.now(), ...machine, processes };
}

/** Linux reports per-process and machine times in USER_HZ ticks, 100 a second on every architecture it runs on. */
const TICKS_PER_SECOND = 100;

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * The window between two snapshots. `roles`: the SUT's processes by pid (relay, consumer, app);
 * a process counts for the nearest of its ancestors there, so a relay started through a shell
 * counts as the relay. Then the stack by name, then the harness (`harnessPid`), then other.
 * A process that exited in the window is missing from the end and counts nowhere but in `busy`.
 */
export function cpuBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
  roles: ReadonlyMap<number, string>,
  harnessPid: number,
): CpuUse | null {
  const seconds = (b.atMs - a.atMs) / 1000;
  const totalTicks = b.totalTicks - a.totalTicks;
  if (seconds <= 0 || totalTicks <= 0) return null;
  const owner = (pid: number): string => {
    const own = b.processes.get(pid);
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      const role = roles.get(p);
      if (role) return role;
      const next = b.processes.get(p);
      if (!next) break;
      p = next.ppid;
    }
    if (own?.part) return own.part;
    return pid === harnessPid ? 'harness' : 'other';
  };
  const by: Record<string, number> = {};
  for (const [pid, now] of b.processes) {
    const before = a.processes.get(pid);
    const ticks = before && before.start === now.start ? now.ticks - before.ticks : now.ticks;
    if (ticks <= 0) continue;
    const who = owner(pid);
    by[who] = (by[who] ?? 0) + ticks;
  }
  const cores = b.cores;
  return {
    cores,
    seconds: Math.round(seconds * 1000) / 1000,
    busy: round2(((b.busyTicks - a.busyTicks) / totalTicks) * cores),
    stolen: round2(((b.stealTicks - a.stealTicks) / totalTicks) * cores),
    by: Object.fromEntries(
      Object.entries(by)
        .map(([k, ticks]) => [k, round2(ticks / TICKS_PER_SECOND / seconds)] as const)
        .filter(([, v]) => v > 0)
        .sort((x, y) => y[1] - x[1]),
    ),
  };
}

/** Starts a window now; `end` closes it. `roles` is read at the end, so processes started meanwhile count. */
export function cpuWindow(roles: () => ReadonlyMap<number, string>): { end(): CpuUse | undefined } {
  const start = takeSnapshot();
  return {
    end: () => {
      const stop = start && takeSnapshot();
      return (stop && cpuBetween(start, stop, roles(), process.pid)) ?? undefined;
    },
  };
}

/**
 * "; cpu 1.62 of 2 cores busy (relay 0.70, postgres 0.38, ...)" to end a figure's line, with
 * ", 0.30 stolen by the host" after "busy" when the hypervisor took any; empty without a reading.
 */
export function cpuText(c: CpuUse | undefined): string {
  if (!c) return '';
  const parts = Object.entries(c.by)
    .filter(([, v]) => v >= 0.01)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  // A short window's figures are coarse (see CpuUse.seconds): say how short it was.
  const over = c.seconds < 1 ? ` over ${c.seconds.toFixed(2)} s` : '';
  const stolen = c.stolen >= 0.01 ? `, ${c.stolen.toFixed(2)} stolen by the host` : '';
  return `; cpu ${c.busy.toFixed(2)} of ${c.cores} cores busy${stolen}${over}${parts ? ` (${parts})` : ''}`;
}
