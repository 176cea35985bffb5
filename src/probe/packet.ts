/**
 * The probe's payload: a 4-byte mark, a 4-byte token drawn per target (an echo from another run or another target
 * is not counted), and a 4-byte sequence number, padded to the size asked for.
 */
import { randomBytes } from 'node:crypto';

/** Bytes of the header; the smallest `--size`. */
export const PROBE_HEADER_BYTES = 12;
const MARK = 0x55_4b_50_42; // "UKPB"

/** Makes and reads the probes of one target. @internal */
export class ProbePackets {
  readonly token = randomBytes(4).readUInt32BE(0);

  constructor(private readonly size: number) {}

  /** Probe number `seq`, `size` bytes long. */
  make(seq: number): Buffer {
    const packet = Buffer.alloc(Math.max(this.size, PROBE_HEADER_BYTES), 0x2e);
    packet.writeUInt32BE(MARK, 0);
    packet.writeUInt32BE(this.token, 4);
    packet.writeUInt32BE(seq >>> 0, 8);
    return packet;
  }

  /** The sequence number an echo carries, or undefined when it is not one of this target's probes. */
  read(echo: Buffer): number | undefined {
    if (echo.length < PROBE_HEADER_BYTES || echo.readUInt32BE(0) !== MARK || echo.readUInt32BE(4) !== this.token) return undefined;
    return echo.readUInt32BE(8);
  }
}
