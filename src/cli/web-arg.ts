/** `--web [ADDR:]PORT` of udp-listen, udp-proxy and udp-probe: where the live page listens (loopback unless given). */
import { convert, fail, type Schema } from '../core/schemas.js';
import { show } from '../format/show.js';
import { parseWebAddress, type WebAddress } from '../web/address.js';

/** `8080`, `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`; port 0 picks a free one (the address printed says which). */
export const webAddressSchema: Schema<WebAddress> = convert((raw, ctx) => {
  const found = typeof raw === 'string' || typeof raw === 'number' ? parseWebAddress(String(raw)) : undefined;
  return found ?? fail(ctx, `invalid --web ${show(raw)}: expected PORT or ADDRESS:PORT (an IP address, [::1]:PORT for IPv6)`);
});
