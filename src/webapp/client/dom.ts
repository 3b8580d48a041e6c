// Building the screens from elements, never from HTML strings: everything the server or a QR code
// says is text, so nothing it says can become markup or script.
type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | ((event: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

const root = () => document.getElementById('app')!;

/** Replaces the screen; focus goes to its heading, so screen readers announce the new screen. */
export function show(...children: Child[]): void {
  root().replaceChildren(...children.filter((child): child is Node | string => Boolean(child)));
  const heading = root().querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
  window.scrollTo(0, 0);
}

export function hostOf(issuer: string): string {
  const url = new URL(issuer);
  return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** `#/open/{url}`, and `?as={device_id}` when the link is known to be for one account of this phone (from its inbox). */
export const openHash = (url: string, asDeviceId?: string) => `#/open/${encodeURIComponent(url)}${asDeviceId === undefined ? '' : `?as=${encodeURIComponent(asDeviceId)}`}`;
