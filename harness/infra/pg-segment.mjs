// Removes the System V shared memory segment that a dead PostgreSQL server left behind. Plain
// JavaScript and synchronous, so that both teardown and the reaper (which needs no loader) use it.
//
// A server killed with -9 and never started again leaves its segment: the next start on the same
// data would remove it, and nothing else does. Its postmaster.pid stays too: line 1 is the
// postmaster's pid, line 7 the segment's key and id. Nothing is removed while that pid runs, or
// when the id now carries another key (handed to an unrelated segment since).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function removeDeadServerSegment(dataDir) {
  let lines;
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return false;
  }
  const postmaster = Number(lines[0]);
  const [key, shmid] = (lines[6] ?? '').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(key) || key === 0 || !Number.isInteger(shmid) || shmid < 0) return false;
  if (Number.isInteger(postmaster) && postmaster > 0 && isRunning(postmaster)) return false;
  let table;
  try {
    table = fs.readFileSync('/proc/sysvipc/shm', 'utf8');
  } catch {
    return false;
  }
  // Columns: key shmid perms size cpid ... The id must still carry the server's key.
  const row = table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f.length >= 7 && Number(f[1]) === shmid);
  if (!row || Number(row[0]) !== key) return false;
  // Removal waits for the last process attached (a backend still exiting) to let go.
  return spawnSync('ipcrm', ['-m', String(shmid)], { stdio: 'ignore' }).status === 0;
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
