import { describe, expect, it } from 'vitest';
import {
  cpuBetween,
  cpuText,
  parsePidStat,
  parseProcStat,
  stackPart,
  type CpuSnapshot,
  type ProcessSample,
} from '../../harness/bench/cpu.ts';

const snapshot = (
  atMs: number,
  busyTicks: number,
  totalTicks: number,
  procs: [number, ProcessSample][],
  stealTicks = 0,
): CpuSnapshot => ({
  atMs,
  cores: 2,
  busyTicks,
  stealTicks,
  totalTicks,
  processes: new Map(procs),
});
const proc = (ppid: number, ticks: number, part: ProcessSample['part'] = null, start = 1): ProcessSample => ({
  ppid,
  ticks,
  start,
  part,
});

describe('processor readings', () => {
  it("parses /proc/stat's machine line and counts the processors", () => {
    const text =
      'cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 50 2 25 400 20 0 0 0 0 0\ncpu1 50 3 25 400 25 0 0 0 0 0\nintr 1\n';
    expect(parseProcStat(text)).toEqual({ cores: 2, busyTicks: 155, stealTicks: 0, totalTicks: 1000 });
    // The eighth field is time the hypervisor took: neither busy nor idle.
    const stolen = 'cpu  100 5 50 700 45 0 0 100 0 0\ncpu0 1 1 1 1 1 0 0 1 0 0\ncpu1 1 1 1 1 1 0 0 1 0 0\n';
    expect(parseProcStat(stolen)).toEqual({ cores: 2, busyTicks: 155, stealTicks: 100, totalTicks: 1000 });
    expect(parseProcStat('intr 1\n')).toBeNull();
  });

  it('parses a process line whose name holds spaces and parentheses', () => {
    const fields = ['S', '42', ...Array(9).fill('0'), '120', '30', '0', '0', '20', '0', '7', '0', '5555'];
    expect(parsePidStat(`1234 (node (relay) x) ${fields.join(' ')}`)).toEqual({
      name: 'node (relay) x',
      ppid: 42,
      ticks: 150,
      start: 5555,
    });
    expect(parsePidStat('garbage')).toBeNull();
  });

  it('tells the stack by name, and Kafka only by its main class', () => {
    expect(stackPart('postgres', () => '')).toBe('postgres');
    expect(stackPart('toxiproxy-server', () => '')).toBe('toxiproxy');
    expect(stackPart('java', () => 'java\0-cp\0libs/*\0kafka.Kafka\0server.properties\0')).toBe('kafka');
    expect(stackPart('java', () => 'java\0org.apache.kafka.connect.cli.ConnectStandalone\0')).toBeNull();
    expect(stackPart('node', () => 'kafka.Kafka')).toBeNull();
  });

  it("charges each process's time in the window to its role, the stack, the harness or other", () => {
    const harness = 100;
    const a = snapshot(0, 1000, 10_000, [
      [harness, proc(1, 50)],
      [200, proc(harness, 10)], // a relay's shell
      [201, proc(200, 1000)], // the relay itself, under the shell
      [300, proc(harness, 0, 'postgres')],
      [301, proc(300, 40, 'postgres')],
      [400, proc(1, 5)], // someone else's
      [500, proc(harness, 900)], // exits in the window
      [600, proc(harness, 70)], // its pid is reused in the window
    ]);
    const b = snapshot(2000, 3000, 14_000, [
      [harness, proc(1, 90)],
      [200, proc(harness, 10)],
      [201, proc(200, 1140)],
      [300, proc(harness, 0, 'postgres')],
      [301, proc(300, 100, 'postgres')],
      [302, proc(300, 20, 'postgres')], // started in the window
      [400, proc(1, 25)],
      [600, proc(harness, 30, null, 2)],
    ]);
    const use = cpuBetween(a, b, new Map([[200, 'relay']]), harness)!;
    // Two seconds: 140 relay ticks are 0.7 of a processor; the machine was busy 2,000 of 4,000 ticks.
    expect(use).toEqual({
      cores: 2,
      seconds: 2,
      busy: 1,
      stolen: 0,
      by: { relay: 0.7, postgres: 0.4, other: 0.25, harness: 0.2 },
    });
    expect(Object.keys(use.by)).toEqual(['relay', 'postgres', 'other', 'harness']);
    expect(cpuText(use)).toBe('; cpu 1.00 of 2 cores busy (relay 0.70, postgres 0.40, other 0.25, harness 0.20)');
    expect(cpuText(undefined)).toBe('');
    expect(cpuText({ ...use, seconds: 0.08 })).toMatch(/^; cpu 1\.00 of 2 cores busy over 0\.08 s \(relay/);
  });

  it('says how much the hypervisor took, apart from what ran', () => {
    // 4,000 ticks over two processors: 1,600 busy and 400 stolen are 0.8 and 0.2 of a processor.
    const a = snapshot(0, 1000, 10_000, [], 50);
    const b = snapshot(2000, 2600, 14_000, [], 450);
    const use = cpuBetween(a, b, new Map(), 1)!;
    expect(use).toMatchObject({ busy: 0.8, stolen: 0.2 });
    expect(cpuText(use)).toBe('; cpu 0.80 of 2 cores busy, 0.20 stolen by the host');
  });

  it('gives no reading for an empty window', () => {
    const a = snapshot(0, 10, 100, []);
    expect(cpuBetween(a, a, new Map(), 1)).toBeNull();
  });
});
