/**
 * udpkit as a library: listen and send over UDP and TCP, and the one error type; nothing here prints or exits.
 * Records as text and pcap files are in `udpkit/format`, udp-compare's report in `udpkit/compare`: importing this
 * entry loads neither (nor zod, which the option checks load on their first call).
 */

export { ERROR_CODES, UdpkitError, type ErrorCode } from './errors.js';
export type {
  Family,
  Protocol,
  Endpoint,
  DatagramRecord,
  OpenRecord,
  DataRecord,
  CloseRecord,
  ErrorRecord,
  TrafficRecord,
  CloseReason,
  Traffic,
  SendBase,
  SendResult,
  ReplyOverflow,
  ReplyNote,
} from './types.js';
export { listen, listenTcp, send, sendTcp, type UdpListenOptions, type TcpListenOptions, type UdpSendOptions, type TcpSendOptions, type RespondRule, type RespondOptions } from './respond/library.js';
export type { UdpListener, RecvBuffer, DatagramHandler } from './core/udp-listener.js';
export type { UdpSendResult } from './core/udp-sender.js';
export type { TcpListener, RecordHandler } from './core/tcp-listener.js';
export type { ReplyFunction, ReplyPlan } from './core/reply-hook.js';
export type { TcpSendResult } from './core/tcp-sender.js';
export { Deframer, encodeFrame, FrameTooLargeError, type Framing } from './core/framing.js';
export type { ListenerSummary } from './core/stats.js';
export type { StopReason, StopConditions } from './core/completion.js';
export type { GroupJoin } from './core/multicast.js';
export {
  proxy,
  type ProxyOptions,
  type UdpProxy,
  type ProxySummary,
  type ProxyRecord,
  type FateRecord,
  type SessionRecord,
  type WireDatagram,
} from './proxy/proxy.js';
export type { Impairments, LinkImpairments, Direction, DropCause, Outage } from './proxy/impairments.js';
export type { DirectionSummary } from './proxy/stats.js';
export type { Fate } from './proxy/lane.js';
export {
  probe,
  type ProbeOptions,
  type Prober,
  type ProbeReport,
  type ProbeReportHandler,
  type ProbeStopReason,
  type ProbeDirection,
  type TargetSummary,
  type HistogramCounts,
  type FailureCause,
} from './probe/prober.js';
