import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { readIfExists, writeFileAtomically } from '../common/files.ts';
import { freePorts } from '../infra/ports.ts';
import { ManagedProcess } from '../infra/processes.ts';
import type { RunEnv, Stack } from '../infra/stack.ts';
import { describeError } from '../common/errors.ts';
import { waitUntilHealthy } from '../common/wait.ts';
import { ROLES, type Role, type SutDefinition } from './definition.ts';
import { PLACEHOLDER, type ProcessPlaceholder } from './placeholders.ts';

export interface ClusterOptions {
  readonly replicas?: Partial<Record<Role, number>>;
  /** A bug variant, passed through the SUT's declared bug variable. */
  readonly bug?: string;
  /** Crash points per role, passed through the SUT's declared crash variable. */
  readonly crashAt?: Partial<Record<Role, string>>;
  /** Extra environment per role (tuning knobs such as BATCH_SIZE). */
  readonly env?: Partial<Record<Role, Readonly<Record<string, string>>>>;
  /** Restart a process that died on its own (a crash point fired) after this delay. Off when undefined. */
  readonly restartCrashedAfterMs?: number;
  /** Where each process's log goes; kept after the run for the report. */
  readonly logDir: string;
  /** Called for every process lifecycle event, so the history can record it. */
  readonly onEvent?: (event: ProcessEvent) => void;
}

export interface ProcessEvent {
  readonly process: string;
  readonly what: 'started' | 'exited' | 'killed' | 'paused' | 'resumed' | 'stopped';
  readonly pid: number;
  readonly detail?: string;
}

interface Member {
  readonly name: string;
  readonly role: Role;
  readonly replica: number;
  readonly env: Record<string, string>;
  /** The command with this replica's placeholders filled. */
  readonly command: readonly string[];
  readonly port?: number;
  /** Undefined until the first launch has started a process. */
  proc?: ManagedProcess;
  /** Counts launches, so a stale disarm cannot touch a newer incarnation. */
  incarnation: number;
  /** Where the harness arms crash points in the running process, if the SUT reads such a file. */
  readonly crashFile?: string;
  /** Set when the harness itself ends the process, so the exit is not taken for a crash. */
  expectingExit: boolean;
  paused: boolean;
  /** The current incarnation has shown it is serving (readyLog or health check). */
  ready: boolean;
}

/** The SUT's processes for one run, each on its own links, under the harness's control. */
export class SutCluster {
  private readonly members = new Map<string, Member>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private armings = 0;
  private closed = false;

  private constructor(
    private readonly stack: Stack,
    private readonly run: RunEnv,
    private readonly def: SutDefinition,
    private readonly options: ClusterOptions,
  ) {}

  static async start(stack: Stack, run: RunEnv, def: SutDefinition, options: ClusterOptions): Promise<SutCluster> {
    fs.mkdirSync(options.logDir, { recursive: true });
    const cluster = new SutCluster(stack, run, def, options);
    try {
      const starts: Promise<string>[] = [];
      for (const role of ROLES) {
        const count = options.replicas?.[role] ?? 1;
        for (let i = 0; i < count; i++) starts.push(cluster.addReplica(role));
      }
      await Promise.all(starts);
    } catch (err) {
      await cluster.stopAll();
      throw err;
    }
    return cluster;
  }

  names(role?: Role): string[] {
    return [...this.members.values()].filter((m) => !role || m.role === role).map((m) => m.name);
  }

  /** The apps and their base URLs. */
  apps(): { name: string; url: string }[] {
    return [...this.members.values()]
      .filter((m) => m.role === 'app' && m.port)
      .map((m) => ({ name: m.name, url: `http://127.0.0.1:${m.port}` }));
  }

  /** The running processes by pid, each with its role. */
  pidRoles(): Map<number, Role> {
    const roles = new Map<number, Role>();
    for (const m of this.members.values()) if (m.proc?.running) roles.set(m.proc.pid, m.role);
    return roles;
  }

  pid(name: string): number | undefined {
    const proc = this.members.get(name)?.proc;
    return proc?.running ? proc.pid : undefined;
  }

  isRunning(name: string): boolean {
    return this.members.get(name)?.proc?.running ?? false;
  }

  logFile(name: string): string {
    return logFileOf(this.options.logDir, this.member(name).name);
  }

  async addReplica(role: Role, extraEnv: Record<string, string> = {}): Promise<string> {
    const replica = this.names(role).length + 1;
    const name = `${role}-${replica}`;
    const [port] = role === 'app' ? await freePorts(1) : [undefined];
    const def = this.def.processes[role];
    const vars: Record<ProcessPlaceholder, string> = {
      DATABASE_URL: this.run.pgUrl(def.links.pg),
      DATABASE: this.run.database,
      KAFKA_BROKERS: this.run.kafkaBrokers(def.links.kafka).join(','),
      TOPIC: this.run.topic,
      DLQ_TOPIC: `${this.run.topic}.dlq`,
      GROUP_ID: this.run.groupId,
      PORT: String(port ?? ''),
      REPLICA: name,
      // Kept across this replica's restarts, like a disk: offsets files, local caches.
      STATE_DIR: path.join(this.options.logDir, `${name}.state`),
    };
    fs.mkdirSync(vars.STATE_DIR, { recursive: true });
    const command = def.command.map((part, i) => fill(part, vars, `${this.def.name} ${role} command[${i}]`));
    const env: Record<string, string> = {};
    for (const [key, template] of Object.entries(def.env))
      env[key] = fill(template, vars, `${this.def.name} ${role} env ${key}`);
    Object.assign(env, this.options.env?.[role], extraEnv);
    if (this.options.bug) {
      if (!this.def.bugs)
        throw new HarnessError(
          `${this.def.name} declares no bug variants, so --bug ${this.options.bug} cannot be applied`,
        );
      env[this.def.bugs.env] = this.options.bug;
    }
    const crash = this.options.crashAt?.[role];
    if (crash && this.def.crashEnv) env[this.def.crashEnv] = crash;
    const crashFile = this.def.crashFileEnv ? path.join(this.options.logDir, `${name}.crash`) : undefined;
    if (crashFile) env[this.def.crashFileEnv!] = crashFile;
    const member: Member = {
      name,
      role,
      replica,
      env,
      command,
      port,
      crashFile,
      incarnation: 0,
      expectingExit: false,
      paused: false,
      ready: false,
    };
    this.members.set(name, member);
    await this.launch(member);
    return name;
  }

  /** SIGKILL: no shutdown hooks run. */
  async kill(name: string): Promise<void> {
    const m = this.member(name);
    m.expectingExit = true;
    const pid = m.proc.pid;
    await m.proc.kill();
    this.emit({ process: name, what: 'killed', pid });
  }

  /** SIGKILL as an unplanned crash: the supervisor, if on, restarts the process. */
  async crash(name: string): Promise<void> {
    const m = this.member(name);
    if (m.proc.running) await m.proc.kill();
  }

  /** SIGSTOP: the process freezes with its connections open. */
  pause(name: string): void {
    const m = this.member(name);
    if (!m.proc.running || m.paused) return;
    m.proc.signal('SIGSTOP');
    m.paused = true;
    this.emit({ process: name, what: 'paused', pid: m.proc.pid });
  }

  resume(name: string): void {
    const m = this.member(name);
    if (!m.paused) return;
    m.proc.signal('SIGCONT');
    m.paused = false;
    this.emit({ process: name, what: 'resumed', pid: m.proc.pid });
  }

  /** SIGTERM, letting the process shut down gracefully. */
  async stop(name: string): Promise<void> {
    const m = this.member(name);
    m.expectingExit = true;
    this.resume(name);
    await m.proc.stop(10_000);
    this.emit({ process: name, what: 'stopped', pid: m.proc.pid });
  }

  /**
   * Starts a stopped, killed or crashed process again, with the same environment plus overrides.
   * A running process is SIGKILLed first, or stopped with SIGTERM when `graceful`.
   */
  async restart(name: string, envOverrides: Record<string, string> = {}, graceful = false): Promise<void> {
    const m = this.member(name);
    if (m.proc.running) await (graceful ? this.stop(name) : this.kill(name));
    Object.assign(m.env, envOverrides);
    await this.launch(m);
  }

  /**
   * Arms a crash point in a process and returns a token for disarm. A process that dies on its own
   * is restarted unarmed by the supervisor.
   *
   * Where the SUT reads a crash file, the point is armed in the running process. Otherwise the
   * process is restarted with the point in its environment, gracefully, so that arming is not
   * itself a crash: a SIGKILLed consumer would keep its group membership for a session timeout.
   */
  async arm(name: string, spec: string): Promise<string> {
    const m = this.member(name);
    if (m.crashFile) {
      // A fresh comment makes re-arming the same point a change the SUT sees.
      const token = `${spec} #${m.incarnation}.${++this.armings}`;
      writeFileAtomically(m.crashFile, `${token}\n`);
      return token;
    }
    const crashEnv = this.def.crashEnv;
    if (!crashEnv) throw new HarnessError(`${this.def.name} declares no crash-point variable`);
    await this.restart(name, { [crashEnv]: spec }, true);
    return String(this.member(name).incarnation);
  }

  /**
   * Resolves when the process now running as `name` exits without the harness having asked it to
   * (a crash point fired, or it died); never, if the harness stops or kills it, or if none is
   * running now (one that crashed and waits for its restart has nothing left to exit).
   */
  exitOnItsOwn(name: string): Promise<void> {
    const m = this.member(name);
    const proc = m.proc;
    return new Promise((resolve) => {
      if (!proc.running) return;
      void proc.exited.then(() => {
        if (!m.expectingExit) resolve();
      });
    });
  }

  /** Takes an armed crash point away, if it is still the one armed. */
  async disarm(name: string, token: string): Promise<void> {
    const m = this.member(name);
    if (m.crashFile) {
      if (readIfExists(m.crashFile)?.trim() === token) fs.rmSync(m.crashFile, { force: true });
      return;
    }
    const crashEnv = this.def.crashEnv;
    if (!crashEnv || m.env[crashEnv] === undefined) return;
    delete m.env[crashEnv];
    if (String(m.incarnation) === token && m.proc.running) await this.restart(name, {}, true);
  }

  async stopAll(): Promise<void> {
    this.closed = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        m.expectingExit = true;
        // A member whose first start failed has no process to stop.
        if (!m.proc) return;
        if (m.paused) m.proc.signal('SIGCONT');
        if (m.proc.running) await m.proc.kill();
        if (m.crashFile) fs.rmSync(m.crashFile, { force: true });
      }),
    );
  }

  /** A member that has been started at least once, so it has a process to act on. */
  private member(name: string): Member & { proc: ManagedProcess } {
    const m = this.members.get(name);
    if (!m) throw new HarnessError(`no SUT process named ${name}; there are: ${this.names().join(', ')}`);
    if (!m.proc) throw new HarnessError(`SUT process ${name} never started`);
    return m as Member & { proc: ManagedProcess };
  }

  private async launch(m: Member): Promise<void> {
    const def = this.def.processes[m.role];
    const [command, ...args] = m.command;
    m.expectingExit = false;
    m.paused = false;
    m.ready = false;
    m.incarnation++;
    const logFile = logFileOf(this.options.logDir, m.name);
    // The log is appended across incarnations; only this one's lines can say it is ready.
    const logStart = fileSize(logFile);
    const proc = await ManagedProcess.launch({
      label: m.name,
      command: command!,
      args,
      env: { ...harnessFreeEnv(this.def), ...m.env },
      cwd: def.cwd,
      logFile,
    });
    m.proc = proc;
    this.emit({ process: m.name, what: 'started', pid: proc.pid });
    void proc.exited.then((exit) => {
      if (m.proc !== proc) return;
      m.ready = false;
      this.emit({ process: m.name, what: 'exited', pid: proc.pid, detail: exit.signal ?? `code ${exit.code}` });
      if (!m.expectingExit && !this.closed && this.options.restartCrashedAfterMs !== undefined) {
        // The supervisor brings it back unarmed: an armed point would fire again at once.
        if (this.def.crashEnv) delete m.env[this.def.crashEnv];
        if (m.crashFile) fs.rmSync(m.crashFile, { force: true });
        const timer = setTimeout(() => {
          this.restartTimers.delete(timer);
          // Not if the harness has since taken the process down on purpose.
          if (!this.closed && m.proc === proc && !m.expectingExit) void this.launch(m).catch(() => {});
        }, this.options.restartCrashedAfterMs);
        this.restartTimers.add(timer);
      }
    });
    try {
      await this.waitReady(m, proc, logStart);
    } catch (err) {
      throw startFailure(m.name, err, proc);
    }
    if (m.proc === proc && proc.running) m.ready = true;
  }

  /**
   * True while a process the harness wants running is not serving yet: starting, or crashed and
   * waiting for the supervisor. A drain must not call a state final then; a relay that is still
   * booting has not had its chance to deliver.
   */
  starting(): boolean {
    if (this.closed) return false;
    return [...this.members.values()].some((m) => !m.expectingExit && !m.ready);
  }

  private async waitReady(m: Member, proc: ManagedProcess, logStart: number): Promise<void> {
    const def = this.def.processes[m.role];
    if (m.role === 'app' && this.def.write.kind === 'http') {
      const url = `http://127.0.0.1:${m.port}${this.def.write.healthPath}`;
      await waitUntilHealthy(
        m.name,
        async () => {
          const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
          if (!res.ok) throw new Error(`health answered ${res.status}`);
        },
        { timeoutMs: 30_000, process: proc },
      );
    } else if (def.readyLog) {
      const marker = def.readyLog;
      await waitUntilHealthy(
        m.name,
        async () => {
          if (!readFrom(proc.spec.logFile, logStart).includes(marker)) throw new Error(`no "${marker}" in its log yet`);
        },
        { timeoutMs: 30_000, process: proc },
      );
    }
  }

  private emit(event: ProcessEvent): void {
    this.options.onEvent?.(event);
  }
}

function logFileOf(logDir: string, name: string): string {
  return path.join(logDir, `${name}.log`);
}

/**
 * A process that did not come up, as one line: what happened, the last line it logged, and where
 * its whole log is. The log's tail would bury the reason in the run's summary.
 */
function startFailure(name: string, err: unknown, proc: ManagedProcess): HarnessError {
  const what = describeError(err)
    .split('\n')[0]!
    .replace(/\. Last log lines:$/, '');
  const said = telltaleLine(proc.logTail(40));
  return new HarnessError(`${what}${said ? `; it logged: ${said}` : ''}; its log: ${proc.spec.logFile}`, {
    cause: err,
  });
}

/**
 * The line of a log tail most likely to say why: the last unindented line naming an error, as
 * Node, Python, Go and the JVM print one above or below their stack traces; else the last line.
 */
export function telltaleLine(tail: string): string | undefined {
  const lines = tail
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && l !== '(no log)');
  const errorLine = lines.findLast((l) => /^\S/.test(l) && /error|exception|panic|fatal|denied|not found/i.test(l));
  return errorLine ?? lines.at(-1);
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The file's text from a byte offset on. */
function readFrom(file: string, offset: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const length = Math.max(0, fs.fstatSync(fd).size - offset);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, offset);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Fills ${VAR} placeholders; an unknown one is a definition error, not an empty string. */
export function fill(template: string, vars: Record<string, string>, where: string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = vars[name];
    if (value === undefined)
      throw new HarnessError(`${where}: unknown placeholder \${${name}}; known: ${Object.keys(vars).join(', ')}`);
    return value;
  });
}

/**
 * The harness's own environment, minus the variables the SUT declares for its bug variant and its
 * crash points: set in the shell that runs the harness, they would switch a SUT into a broken or
 * crashing mode that the run did not ask for. Anything else passes through untouched.
 */
export function harnessFreeEnv(def: SutDefinition, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...from };
  for (const key of [def.bugs?.env, def.crashEnv, def.crashFileEnv]) if (key !== undefined) delete env[key];
  return env;
}
