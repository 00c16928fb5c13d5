// Removes the containers, then the networks, that carry a label. Plain JavaScript and synchronous,
// so that both the harness's exit path and the reaper (which needs no loader) can use it.
import { spawnSync } from 'node:child_process';

export function removeDockerByLabel(label, cli) {
  const ids = (args) => {
    const out = spawnSync(cli, args, { encoding: 'utf8', timeout: 30000 });
    return out.status === 0 ? out.stdout.split('\n').filter(Boolean) : [];
  };
  const containers = ids(['ps', '-aq', '--filter', `label=${label}`]);
  if (containers.length) spawnSync(cli, ['rm', '-f', '-v', ...containers], { timeout: 60000 });
  const networks = ids(['network', 'ls', '-q', '--filter', `label=${label}`]);
  if (networks.length) spawnSync(cli, ['network', 'rm', ...networks], { timeout: 30000 });
}
