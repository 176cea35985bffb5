/** `npm start`: the first thing a newcomer sees — udp-listen on a free port, udp-send to it, the record with its sender. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name: string): string => fileURLToPath(new URL(`./${name}.cjs`, import.meta.url));
const out = (text: string): boolean => process.stdout.write(text);

function run(name: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    out(`$ ${name} ${args.map((a) => (/[\s!"\\]/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const child = spawn(process.execPath, [bin(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('close', (code) => {
      out(text);
      resolve(code ?? 1);
    });
  });
}

const listenArgs = ['--host', '127.0.0.1', '--count', '2', '--timeout', '5', '0'];
const listener = spawn(process.execPath, [bin('udp-listen'), ...listenArgs], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const exited = new Promise<number>((resolve) => listener.on('close', (c) => resolve(c ?? 1)));
let errText = '';
const port = await new Promise<number>((resolve, reject) => {
  listener.stderr.on('data', (chunk: Buffer) => {
    errText += chunk.toString();
    const match = /listening on udp \S+:(\d+)/.exec(errText);
    if (match) resolve(Number(match[1]));
  });
  listener.on('close', () => reject(new Error(`udp-listen exited early: ${errText}`)));
});
// The command it ran, as it ran it: port 0 (a free one, named on the next line), not the port it got.
out(`$ udp-listen ${listenArgs.join(' ')} &\n${errText}`);
let records = '';
listener.stdout.on('data', (chunk: Buffer) => (records += chunk.toString()));
await run('udp-send', ['127.0.0.1', String(port), 'Hello, World!']);
await run('udp-send', ['-e', '127.0.0.1', String(port), 'binary \\x1b[31m safe\\n']);
const code = await exited;
out(`\nwhat udp-listen printed (stdout):\n${records}${errText.slice(errText.indexOf('\n') + 1)}`);
process.exitCode = code;
