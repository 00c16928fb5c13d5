// System V shared memory as PostgreSQL uses it, and removing the segment a dead server left behind.
// Plain JavaScript and synchronous, so that teardown, the reaper (which needs no loader) and the
// tests share one reading of the kernel's table and of postmaster.pid.
//
// A server killed with -9 and never started again leaves its segment: the next start on the same
// data would remove it, and nothing else does. Its postmaster.pid stays too: line 1 is the
// postmaster's pid, line 7 the segment's key and id. Nothing is removed while that pid runs, or
// when the id now carries another key (handed to an unrelated segment since).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Every System V segment, from the kernel's own table (Linux only; empty elsewhere). */
export function sharedSegments() {
  let table;
  try {
    table = fs.readFileSync('/proc/sysvipc/shm', 'utf8');
  } catch {
    return [];
  }
  // Columns: key shmid perms size cpid lpid nattch ...
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 7)
    .map((f) => ({ key: Number(f[0]), shmid: Number(f[1]), creator: Number(f[4]), attached: Number(f[6]) }));
}

/** What a data directory's postmaster.pid says of its server and segment; undefined without one. */
export function postmasterSegment(dataDir) {
  let lines;
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const [key, shmid] = (lines[6] ?? '').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(key) || key === 0 || !Number.isInteger(shmid) || shmid < 0) return undefined;
  return { postmaster: Number(lines[0]), key, shmid };
}

export function removeDeadServerSegment(dataDir) {
  const named = postmasterSegment(dataDir);
  if (!named) return false;
  if (Number.isInteger(named.postmaster) && named.postmaster > 0 && isRunning(named.postmaster)) return false;
  const segment = sharedSegments().find((s) => s.shmid === named.shmid);
  if (!segment || segment.key !== named.key) return false;
  // Removal waits for the last process attached (a backend still exiting) to let go.
  return spawnSync('ipcrm', ['-m', String(named.shmid)], { stdio: 'ignore' }).status === 0;
}

/** Alive, as opposed to gone or a zombie (killed, its parent not having collected it yet). */
function isRunning(pid) {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may itself contain them.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Every postmaster.pid's data directory at most `depth` folders below `root`. */
export function dataDirsUnder(root, depth = 3) {
  const found = [];
  const walk = (dir, left) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === 'postmaster.pid') found.push(dir);
      else if (e.isDirectory() && left > 0) walk(path.join(dir, e.name), left - 1);
    }
  };
  walk(root, depth);
  return found;
}
