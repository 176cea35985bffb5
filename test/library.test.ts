/** The package as a library: `import { listen, send } from 'udpkit'` works, with types, and returns values. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { listen, listenTcp, probe, send, sendTcp, UdpkitError, type DatagramRecord, type SendResult } from 'udpkit';
import type * as Format from 'udpkit/format';

describe("import from 'udpkit'", () => {
  it('listen and send return values and never print', async () => {
    const got: DatagramRecord[] = [];
    const listener = await listen({ port: 0, host: '127.0.0.1', count: 1 }, (record) => got.push(record));
    const result = await send({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('lib') });
    expect(result).toMatchObject({ protocol: 'udp', messages: 1, bytesPerMessage: 3, totalBytes: 3, startedAt: expect.any(Number) as number });
    expect(await listener.done).toBe('count');
    expect(got[0]?.payload.toString()).toBe('lib');
    const summary = await listener.close();
    expect(summary).toMatchObject({ protocol: 'udp', records: 1, bytes: 3, senders: 1 });
  });

  it('TCP is in the library too: listenTcp and sendTcp', async () => {
    const records: string[] = [];
    const listener = await listenTcp({ port: 0, host: '127.0.0.1', frame: 'line' }, (r) => records.push(r.event));
    const result = await sendTcp({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('hi'), frame: 'line' });
    expect(result).toMatchObject({ protocol: 'tcp', messages: 1, bytesPerMessage: 2, totalBytes: 3, closedBy: 'peer' });
    await listener.close();
    expect(records).toEqual(['open', 'data', 'close']);
  });

  it('UDP and TCP results have one shape: messages, bytesPerMessage, startedAt in epoch milliseconds', async () => {
    const listener = await listenTcp({ port: 0, host: '127.0.0.1' }, () => undefined);
    const before = Date.now();
    try {
      // Both are a SendResult: a caller can report either with the same code.
      const results: SendResult[] = [
        await send({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('four'), count: 2 }),
        await sendTcp({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('four'), count: 2 }),
      ];
      for (const result of results) {
        expect(result, result.protocol).toMatchObject({ messages: 2, bytesPerMessage: 4, totalBytes: 8, interrupted: false });
        expect(typeof result.startedAt).toBe('number');
        expect(result.startedAt).toBeGreaterThanOrEqual(before);
        expect(result.startedAt).toBeLessThanOrEqual(Date.now());
        expect(result).not.toHaveProperty('datagrams');
      }
    } finally {
      await listener.close();
    }
  });

  it('probe() has the shape of listen(): options and a handler in, a closeable object with done and summary() out', async () => {
    await using echo = await listen({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
    const reports: number[] = [];
    await using prober = await probe({ targets: [`127.0.0.1:${echo.local.port}`], intervalMs: 10, count: 10, reportMs: 50 }, (r) => reports.push(r.summary.sent));
    expect(await prober.done).toBe('count');
    expect(prober.summary()).toMatchObject([{ sent: 10, received: 10, lost: 0, direction: 'split' }]);
    expect(reports.length).toBeGreaterThan(0);
    expect(await prober.close()).toEqual(prober.summary());
  });

  it('failures are UdpkitError with a code and exit code', async () => {
    const sending = send({ host: '127.0.0.1', port: 9, payload: Buffer.alloc(70_000) });
    await expect(sending).rejects.toThrow(UdpkitError);
    await expect(sending).rejects.toMatchObject({ code: 'E_DATA', exitCode: 65 });
    // The library names its own option; the command line names --broadcast (test/broadcast.test.ts).
    const broadcast = send({ host: '255.255.255.255', port: 9, payload: Buffer.from('x') });
    await expect(broadcast).rejects.toThrow('255.255.255.255 is a broadcast address: sending to it needs broadcast: true');
    await expect(broadcast).rejects.toMatchObject({ code: 'E_USAGE', exitCode: 64 });
  });
});

describe('a record handler that throws', () => {
  it('UDP: done rejects with its error, no record is delivered after it, and the port is released', async () => {
    const seen: string[] = [];
    const listener = await listen({ port: 0, host: '127.0.0.1' }, (record) => {
      seen.push(record.payload.toString());
      if (seen.length === 2) throw new TypeError('handler bug');
    });
    const port = listener.local.port;
    for (const word of ['one', 'two', 'three', 'four']) await send({ host: '127.0.0.1', port, payload: Buffer.from(word) });
    await expect(listener.done).rejects.toThrow('handler bug');
    expect(seen).toEqual(['one', 'two']);
    await listener.close();
    // Released: the same port binds again.
    const again = await listen({ port, host: '127.0.0.1' }, () => undefined);
    await again.close();
  });

  it('TCP: done rejects with its error, and the listener closes its connections', async () => {
    const events: string[] = [];
    const listener = await listenTcp({ port: 0, host: '127.0.0.1', frame: 'line' }, (record) => {
      events.push(record.event);
      if (record.event === 'data') throw new RangeError('tcp handler bug');
    });
    const sending = sendTcp({ host: '127.0.0.1', port: listener.local.port, payload: Buffer.from('x'), frame: 'line', count: 3 });
    await expect(listener.done).rejects.toThrow('tcp handler bug');
    await sending.catch(() => undefined);
    await listener.close();
    expect(events).toEqual(['open', 'data']);
    expect(listener.connections).toBe(0);
  });
});

describe('the library checks its options with the CLI schemas', () => {
  it.each([
    [5.5, 'invalid port 5.5: expected an integer from 0 to 65535'],
    [65_536, 'invalid port 65536: expected an integer from 0 to 65535'],
    [-1, 'invalid port -1: expected an integer from 0 to 65535'],
  ])('listen({ port: %d }) is refused, not bound to another port', async (port, message) => {
    const listening = listen({ port, host: '127.0.0.1' }, () => undefined);
    await expect(listening).rejects.toThrow(message);
    await expect(listening).rejects.toMatchObject({ code: 'E_USAGE', exitCode: 64 });
    await expect(listenTcp({ port, host: '127.0.0.1' }, () => undefined)).rejects.toThrow(message);
  });

  it.each([
    [{ port: 0 }, 'invalid port 0: expected an integer from 1 to 65535'],
    [{ port: 5005, count: 0 }, 'invalid count 0: expected an integer >= 1'],
    [{ port: 5005, waitMs: -5 }, 'invalid waitMs -5: expected a positive duration'],
  ])('send(%j) is refused naming the value', async (options, message) => {
    const payload = Buffer.from('x');
    await expect(send({ host: '127.0.0.1', payload, ...options })).rejects.toThrow(message);
    await expect(sendTcp({ host: '127.0.0.1', payload, ...options })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('the public surface', () => {
  // Each entry's exports, values and types, with their kinds, read from the sources by the TypeScript compiler: a
  // change to this list is a decision to make in review, not a side effect.
  const entries = { udpkit: 'src/index.ts', 'udpkit/format': 'src/format/index.ts', 'udpkit/compare': 'src/compare/index.ts' } as const;
  const surface = declaredSurface(Object.values(entries));

  it('udpkit: listen and send over UDP and TCP, the error type, framing, and the types they take and give', () => {
    expect(surface['src/index.ts']).toMatchInlineSnapshot(`
      [
        "CloseReason: type",
        "CloseRecord: interface",
        "DataRecord: interface",
        "DatagramHandler: type",
        "DatagramRecord: interface",
        "Deframer: class",
        "Direction: type",
        "DirectionSummary: interface",
        "DropCause: type",
        "ERROR_CODES: const",
        "Endpoint: interface",
        "ErrorCode: type",
        "ErrorRecord: interface",
        "FailureCause: type",
        "Family: type",
        "Fate: interface",
        "FateRecord: interface",
        "FrameTooLargeError: class",
        "Framing: type",
        "GroupJoin: interface",
        "HistogramCounts: interface",
        "Impairments: interface",
        "LinkImpairments: interface",
        "ListenerSummary: interface",
        "OpenRecord: interface",
        "Outage: interface",
        "ProbeDirection: type",
        "ProbeOptions: interface",
        "ProbeReport: interface",
        "ProbeReportHandler: type",
        "ProbeStopReason: type",
        "Prober: interface",
        "Protocol: type",
        "ProxyOptions: interface",
        "ProxyRecord: type",
        "ProxySummary: interface",
        "RecordHandler: type",
        "RecvBuffer: interface",
        "ReplyFunction: type",
        "ReplyNote: interface",
        "ReplyOverflow: interface",
        "ReplyPlan: interface",
        "RespondOptions: interface",
        "RespondRule: type",
        "SendBase: interface",
        "SendResult: interface",
        "SessionRecord: interface",
        "StopConditions: interface",
        "StopReason: type",
        "TargetSummary: interface",
        "TcpListenOptions: interface",
        "TcpListener: interface",
        "TcpSendOptions: interface",
        "TcpSendResult: interface",
        "Traffic: interface",
        "TrafficRecord: type",
        "UdpListenOptions: interface",
        "UdpListener: interface",
        "UdpProxy: interface",
        "UdpSendOptions: interface",
        "UdpSendResult: interface",
        "UdpkitError: class",
        "WireDatagram: interface",
        "encodeFrame: function",
        "listen: function",
        "listenTcp: function",
        "probe: function",
        "proxy: function",
        "send: function",
        "sendTcp: function",
      ]
    `);
  });

  it('udpkit/format: records as text, escaping, time styles, message decoding, pcap', () => {
    expect(surface['src/format/index.ts']).toMatchInlineSnapshot(`
      [
        "CaptureContents: interface",
        "CapturedDatagram: type",
        "ENCODINGS: const",
        "Encoding: type",
        "FORMATS: const",
        "Format: type",
        "JsonPayload: interface",
        "LINKTYPE_RAW: const",
        "MAX_DATAGRAM: const",
        "PcapDatagram: interface",
        "RecordStyle: interface",
        "TIME_STYLES: const",
        "TimeFormat: class",
        "TimeStyle: type",
        "checkDatagramSize: function",
        "decodeBase64: function",
        "decodeHex: function",
        "describeRecord: function",
        "encodeMessage: function",
        "escapeBytes: function",
        "formatEndpoint: function",
        "formatRecord: function",
        "hexDump: function",
        "ipPacket: function",
        "jsonPayload: function",
        "pcapFileHeader: function",
        "pcapRecord: function",
        "readCapture: function",
        "recordToJson: function",
        "unescapeMessage: function",
      ]
    `);
  });

  it('udpkit/compare: runCompare, the report schemas and types', () => {
    expect(surface['src/compare/index.ts']).toMatchInlineSnapshot(`
      [
        "Cell: interface",
        "CompareOptions: interface",
        "CompareReport: interface",
        "Row: interface",
        "SCENARIO_NAMES: const",
        "ScenarioName: type",
        "ScenarioResult: interface",
        "Workload: interface",
        "compareReportSchema: const",
        "runCompare: function",
        "scenarioResultSchema: const",
      ]
    `);
  });

  it.each(Object.entries(entries))('the built %s, ESM and CommonJS, exports exactly the values declared', async (name, file) => {
    const values = (surface[file] ?? []).filter((line) => !/: (type|interface)$/.test(line));
    const runtime = (module: Record<string, unknown>): string[] => Object.entries(module).map(([key, value]) => `${key}: ${kindOf(value)}`).sort();
    expect(runtime((await import(name)) as Record<string, unknown>)).toEqual(values);
    expect(runtime(createRequire(import.meta.url)(name) as Record<string, unknown>)).toEqual(values);
  });

  it('one UdpkitError across the entries: what udpkit/format throws is an instance of the one from udpkit', async () => {
    const require = createRequire(import.meta.url);
    const esm = [(await import('udpkit')).UdpkitError, (await import('udpkit/format')).decodeHex] as const;
    const cjs = [(require('udpkit') as { UdpkitError: typeof UdpkitError }).UdpkitError, (require('udpkit/format') as typeof Format).decodeHex] as const;
    for (const [UdpkitError, decodeHex] of [esm, cjs]) {
      expect(() => decodeHex('zz')).toThrow(UdpkitError);
    }
  });

  it('UDP and TCP results both carry their replies as `replies`', async () => {
    const echo = await listenTcp({ port: 0, host: '127.0.0.1', echo: true, frame: 'line' }, () => undefined);
    const tcp = await sendTcp({ host: '127.0.0.1', port: echo.local.port, payload: Buffer.from('hi'), frame: 'line', waitMs: 2000 });
    await echo.close();
    const udpEcho = await listen({ port: 0, host: '127.0.0.1', echo: true }, () => undefined);
    const udp = await send({ host: '127.0.0.1', port: udpEcho.local.port, payload: Buffer.from('hi'), waitMs: 2000 });
    await udpEcho.close();
    expect(tcp.replies?.map((r) => r.payload.toString())).toEqual(['hi']);
    expect(udp.replies?.map((r) => r.payload.toString())).toEqual(['hi']);
    expect('reply' in udp || 'reply' in tcp).toBe(false);
  });

  it('an AbortSignal closes a listener; `await using` closes it at the end of the scope', async () => {
    const controller = new AbortController();
    const aborted = await listen({ port: 0, host: '127.0.0.1', signal: controller.signal }, () => undefined);
    const tcpAborted = await listenTcp({ port: 0, host: '127.0.0.1', signal: controller.signal }, () => undefined);
    controller.abort();
    expect(await aborted.done).toBe('closed');
    expect(await tcpAborted.done).toBe('closed');
    // The ports are free again.
    await (await listen({ port: aborted.local.port, host: '127.0.0.1' }, () => undefined)).close();
    await (await listenTcp({ port: tcpAborted.local.port, host: '127.0.0.1' }, () => undefined)).close();

    let port = 0;
    {
      await using scoped = await listen({ port: 0, host: '127.0.0.1' }, () => undefined);
      port = scoped.local.port;
    }
    await (await listen({ port, host: '127.0.0.1' }, () => undefined)).close();
  });
});

/** A value's kind as the declarations would name it: `class`, `function` or `const`. */
function kindOf(value: unknown): string {
  if (typeof value !== 'function') return 'const';
  return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
}

/** Every export of each entry file as `name: kind` (class, function, const, type, interface), sorted. */
function declaredSurface(files: readonly string[]): Record<string, string[]> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const program = ts.createProgram(files.map((file) => join(root, file)), { ...config?.options, noEmit: true });
  const checker = program.getTypeChecker();
  const kind = (symbol: ts.Symbol): string => {
    const flags = (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol).flags;
    // `export type { X }` of a value exports no value: only its type.
    const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) === true;
    if (typeOnly) return flags & ts.SymbolFlags.Interface ? 'interface' : 'type';
    if (flags & ts.SymbolFlags.Class) return 'class';
    if (flags & ts.SymbolFlags.Function) return 'function';
    if (flags & ts.SymbolFlags.Variable) return 'const';
    if (flags & ts.SymbolFlags.Interface) return 'interface';
    return 'type';
  };
  return Object.fromEntries(
    files.map((file) => {
      const source = program.getSourceFile(join(root, file));
      const module = source && checker.getSymbolAtLocation(source);
      const exported = module ? checker.getExportsOfModule(module) : [];
      return [file, exported.map((symbol) => `${symbol.name}: ${kind(symbol)}`).sort()];
    }),
  );
}
