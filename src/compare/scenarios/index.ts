/** Every scenario, in the order udp-compare runs them. */
import type { Scenario } from '../types.js';
import { boundaries } from './boundaries.js';
import { bottleneck } from './bottleneck.js';
import { jitter } from './jitter.js';
import { latency } from './latency.js';
import { lossyLink } from './lossy-link.js';
import { noListener } from './no-listener.js';
import { order } from './order.js';
import { overload } from './overload.js';
import { setup } from './setup.js';
import { sizeLimits } from './size-limits.js';

export const SCENARIOS: readonly Scenario[] = [setup, noListener, boundaries, sizeLimits, overload, order, latency, lossyLink, bottleneck, jitter];
