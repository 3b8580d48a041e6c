// The end of a flow: what happened, in words, and the way back.
import { h, show } from '../dom.ts';
import type { Message } from '../messages.ts';

export function resultScreen(message: Message, tone: 'ok' | 'error', ...extra: HTMLElement[]): void {
  show(
    h('div', { class: `result ${tone}`, role: tone === 'error' ? 'alert' : 'status' },
      h('span', { class: 'result-icon', 'aria-hidden': 'true' }, tone === 'ok' ? '✓' : '!'),
      h('h1', { id: 'result-title' }, message.title),
      h('p', { id: 'result-text' }, message.text)),
    ...extra,
    h('a', { class: 'button primary', href: '#/', id: 'back' }, 'Back to accounts'),
  );
}
