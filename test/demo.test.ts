/** `npm start`'s demo says the commands it runs as it runs them (it once echoed `--count 2 PORT` for another command). */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startProcess } from './helpers.js';

describe('npm start: the demo', () => {
  it('echoes each command exactly as it runs it, and the records it shows come from them', async () => {
    const demo = startProcess(process.execPath, [fileURLToPath(new URL('../dist/bin/demo.js', import.meta.url))], { timeoutMs: 20_000 });
    expect((await demo.exit).code, demo.stderr.text).toBe(0);
    const lines = demo.stdout.text.split('\n');
    expect(lines[0]).toBe('$ udp-listen --host 127.0.0.1 --count 2 --timeout 5 0 &');
    const port = /^listening on udp 127\.0\.0\.1:(\d+)$/.exec(lines[1] ?? '')?.[1];
    expect(port, demo.stdout.text).toBeDefined();
    expect(lines).toContain(`$ udp-send 127.0.0.1 ${port} 'Hello, World!'`);
    expect(lines).toContain(`sent 13 bytes to 127.0.0.1:${port} over udp`);
    expect(demo.stdout.text).toMatch(new RegExp(`\\n\\S+ udp 127\\.0\\.0\\.1:\\d+ 13 bytes: Hello, World!\\n`));
  });
});
