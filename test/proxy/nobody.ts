/** Starting udp-proxy's built bin as nobody (uid and gid 65534, no groups): nothing the proxy does needs a privilege. */
import { binPath, startProcess, type Running } from '../helpers.js';

/** Runs `udp-proxy ARGS` as nobody when the tests run as root, else as the user running them. */
export function startProxy(args: string[]): Running {
  const unprivileged = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [command, ...rest] = [...unprivileged, process.execPath, binPath('udp-proxy'), ...args];
  return startProcess(command as string, rest);
}
