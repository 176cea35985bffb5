/**
 * `udp-listen --respond` and `--respond-file` end to end: the built bin answers peers udpkit did not write (a
 * Python client in tutorial style, socat), records say which rule replied, and a catastrophic regex from one
 * sender does not stall another's answers beyond the documented budget.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, listening, runBin, startBin, tcpClient, waitFor } from '../helpers.js';

/** Runs the Python client against 127.0.0.1:port: the replies it printed, one per line. */
function python(port: number, replies: number, ...messages: string[]): string[] {
  const run = spawnSync('python3', [fixturePath('device_client.py'), '127.0.0.1', String(port), String(replies), ...messages], { encoding: 'utf8', timeout: 20_000 });
  expect(run.stderr).toBe('');
  return run.stdout.trim().split('\n');
}

async function device(args: string[]) {
  const run = startBin('udp-listen', [...args], { timeoutMs: 30_000 });
  const port = await listening(run, args.includes('--tcp') ? 'tcp' : 'udp');
  return { run, port };
}

function rulesFile(text: string, name = 'device.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'udpkit-respond-')), name);
  writeFileSync(path, text);
  return path;
}

describe('udp-listen --respond', () => {
  it('a Python client sends READ? and gets TEMP=21; the record says which rule replied', async () => {
    const { run, port } = await device(['--respond', 'READ? => TEMP=21', '--host', '127.0.0.1', '0']);
    expect(python(port, 1, 'READ?')).toEqual(["b'TEMP=21'"]);
    await run.stdout.waitFor(/udp 127\.0\.0\.1:\d+ 5 bytes \(replied: rule 1\): READ\?\n/);
  });

  it('regex captures, {{seq}}, --echo answers the rest; JSON records carry reply', async () => {
    const { run, port } = await device([
      '-f', 'json', '--host', '127.0.0.1', '--echo',
      '--respond', '/^GET (\\w+)$/ => VALUE {{1}} #{{seq}}',
      '0',
    ]);
    expect(python(port, 1, 'GET key', 'GET other', 'hello')).toEqual(["b'VALUE key #1'", "b'VALUE other #2'", "b'hello'"]);
    await run.stdout.waitFor(/"payload":"hello"/);
    const records = run.stdout.text.trim().split('\n').map((line) => JSON.parse(line) as { reply?: unknown; payload: string });
    expect(records.map((r) => r.reply)).toEqual([{ rule: 1, replies: 1, bytes: 12 }, { rule: 1, replies: 1, bytes: 14 }, undefined]);
  });

  it('a hex rule matches a binary header and answers bytes', async () => {
    const { port } = await device(['--respond', 'hex:02ff* => hex:03ff00', '--respond', '* => other', '--host', '127.0.0.1', '0']);
    expect(python(port, 1, 'hex:02ff1234', 'hex:02fe')).toEqual(["b'\\x03\\xff\\x00'", "b'other'"]);
  });

  it('refuses a bad rule with one line naming it (exit 64)', async () => {
    const bad = await runBin('udp-listen', ['--respond', 'READ? TEMP', '0']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toBe('udp-listen: invalid --respond "READ? TEMP": expected MATCH => REPLY\n');
    const placeholder = await runBin('udp-listen', ['--respond', 'A => {{nope}}', '0']);
    expect(placeholder.code).toBe(64);
    expect(placeholder.stderr).toContain('unknown placeholder {{nope}}');
  });
});

describe('udp-listen --respond-file', () => {
  it('times: 2 answers twice then falls through; several replies with a delay', async () => {
    const path = rulesFile(
      ['rules:', '  - match: PING', '    reply: first', '    times: 2', '  - match: PING', '    reply: later',
        '  - match: /^GET (\\w+)$/', '    reply: ["VALUE {{1}}", "END"]', '    delay: 50ms'].join('\n'),
    );
    const { port } = await device(['--respond-file', path, '--host', '127.0.0.1', '0']);
    expect(python(port, 1, 'PING', 'PING', 'PING')).toEqual(["b'first'", "b'first'", "b'later'"]);
    expect(python(port, 2, 'GET k')).toEqual(["b'VALUE k'", "b'END'"]);
  });

  it('a handshake with state: DATA is answered only after HELLO, per sender', async () => {
    const path = rulesFile(
      ['rules:', '  - match: HELLO', '    reply: WELCOME', '    then: connected', '  - match: DATA*', '    when: connected', '    reply: ACK {{seq}}'].join('\n'),
    );
    const { port } = await device(['--respond-file', path, '--host', '127.0.0.1', '0']);
    expect(python(port, 1, 'DATA 1')).toEqual(['TIMEOUT']);
    expect(python(port, 1, 'HELLO', 'DATA 1', 'DATA 2')).toEqual(["b'WELCOME'", "b'ACK 1'", "b'ACK 2'"]);
  });

  it('an error names the file, the rule index and field, and what was expected', async () => {
    const path = rulesFile('rules:\n  - match: A\n    reply: B\n  - match: C\n    reply: D\n    delay: soon\n');
    const run = await runBin('udp-listen', ['--respond-file', path, '0']);
    expect(run.code).toBe(64);
    expect(run.stderr).toBe(`udp-listen: ${path}: rules[1].delay: "soon": expected a duration up to 1h (50ms, 1s; a bare number is milliseconds)\n`);
    const typo = rulesFile('rules:\n  - match: A\n    replay: B\n');
    const second = await runBin('udp-listen', ['--respond-file', typo, '0']);
    expect(second.code).toBe(64);
    expect(second.stderr).toContain(`${typo}: rules[0]: `);
    expect(second.stderr).toContain('"replay"');
    const missing = await runBin('udp-listen', ['--respond-file', '/nonexistent/rules.yaml', '0']);
    expect(missing.code).toBe(66);
  });

  it('TCP --frame line: each line answered in order', async () => {
    const { run, port } = await device(['--tcp', '--frame', 'line', '--respond', 'READ? => TEMP=21', '--respond', '/^GET (\\w+)$/ => VALUE {{1}}', '--host', '127.0.0.1', '0']);
    const client = await tcpClient(port);
    let got = '';
    client.on('data', (chunk: Buffer) => (got += chunk.toString()));
    client.write('READ?\nGET a\nGET b\nREAD?\n');
    await waitFor(() => got.split('\n').length >= 5, { what: 'four answers' });
    expect(got).toBe('TEMP=21\nVALUE a\nVALUE b\nTEMP=21\n');
    await run.stdout.waitFor(/#1 5 bytes \(replied: rule 2\): GET b\n/);
  });
});

describe('the per-sender rate bound over TCP', () => {
  it('a client flooding a --tcp --respond listener gets at most --echo-rate answers; the rest are counted', async () => {
    const { run, port } = await device(['--tcp', '--frame', 'line', '--echo-rate', '10', '--respond', 'READ? => TEMP=21', '--host', '127.0.0.1', '0']);
    // A Python client (tutorial style) writes 50 requests at once, then reads what comes back for a second.
    const client = spawnSync(
      'python3',
      ['-c', [
        'import socket, sys',
        `s = socket.create_connection(('127.0.0.1', ${port}))`,
        "s.sendall(b'READ?\\n' * 50)",
        's.settimeout(1.0)',
        "got = b''",
        'try:',
        '    while True:',
        '        chunk = s.recv(4096)',
        '        if not chunk: break',
        '        got += chunk',
        'except socket.timeout:',
        '    pass',
        "print(got.count(b'TEMP=21\\n'))",
      ].join('\n')],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(client.stderr).toBe('');
    // The bucket holds 10 answers; refilling at 10 a second, one more may come while the 50 are read.
    const answers = Number(client.stdout.trim());
    expect(answers).toBeGreaterThanOrEqual(10);
    expect(answers).toBeLessThanOrEqual(11);
    await run.stdout.waitFor(/\(rule 1, not sent: rate\): READ\?\n/);
    run.child.kill('SIGINT');
    await run.exit;
    expect(run.stderr.text).toContain(`${answers} replied, ${50 - answers} echoes not sent (own address or over the rate bound)`);
  });
});

describe('a regex that backtracks catastrophically', () => {
  it('/(a+)+$/ against 30,000 a and ! does not stall another sender beyond the budget', async () => {
    const { run, port } = await device(['--respond', '/(a+)+$/ => never', '--respond', 'READ? => TEMP=21', '--host', '127.0.0.1', '0']);
    // The attacker's payload runs into the 20 ms budget; the Python client's answer comes within its 2 s timeout.
    spawnSync('python3', ['-c', `import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'a'*30000+b'!', ('127.0.0.1', ${port}))`], { timeout: 5000 });
    expect(python(port, 1, 'READ?')).toEqual(["b'TEMP=21'"]);
    await run.stdout.waitFor(/30001 bytes: a/);
    // The attacker got no answer; the summary counts its message as over the budget.
    expect(run.stdout.text).not.toMatch(/30001 bytes \(/);
    run.child.kill('SIGINT');
    await run.exit;
    expect(run.stderr.text).toMatch(/, 1 replied, 1 message over the regex CPU budget(, |\n)/);
  });
});
