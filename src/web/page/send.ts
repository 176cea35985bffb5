/** The send box: text (with -e escapes) or hex, sent from the command's own socket to the selected sender. */
import { byId, parsePeer } from './dom.js';
import type { Selection } from './panel.js';

/** Wires the send box to the selection. */
export function sendBox(selection: Selection): void {
  const button = byId<HTMLButtonElement>('send');
  const result = byId('send-result');
  selection.onChange((peer) => {
    byId('send-to').textContent = peer ?? '(select a sender)';
    button.disabled = peer === undefined;
  });
  button.addEventListener('click', () => {
    const to = selection.peer === undefined ? undefined : parsePeer(selection.peer);
    if (!to) return;
    const body = JSON.stringify({ ...to, mode: byId<HTMLSelectElement>('send-mode').value, data: byId<HTMLTextAreaElement>('send-data').value });
    result.textContent = 'sending…';
    void fetch('/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (res) => {
        const answer = (await res.json()) as { sent?: number; error?: string };
        result.textContent = res.ok ? `sent ${answer.sent ?? 0} bytes to ${selection.peer ?? ''}` : `not sent: ${answer.error ?? res.statusText}`;
      })
      .catch((error: unknown) => {
        result.textContent = `not sent: ${String(error)}`;
      });
  });
}
