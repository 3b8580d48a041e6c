// The service worker: keeps the app shell so /app/ opens offline (to the accounts, which live in
// IndexedDB). It answers only for the shell's own files; everything else — the device API above
// all, whose answers are one-time challenges — goes to the network untouched and is never stored.
declare const SHELL_FILES: string[];
declare const SHELL_VERSION: string;

// The worker's own types (lib "WebWorker" cannot share a program with lib "DOM").
type ExtendableEvent = Event & { waitUntil(work: Promise<unknown>): void };
type FetchEvent = ExtendableEvent & { request: Request; respondWith(answer: Promise<Response>): void };
type WorkerScope = {
  registration: { scope: string };
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
};
const worker = self as unknown as WorkerScope;

const CACHE = `scanin-app-${SHELL_VERSION}`;
const shellUrls = () => SHELL_FILES.map((file) => new URL(file, worker.registration.scope).href);

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(shellUrls())).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await worker.clients.claim();
  })());
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  url.hash = '';
  if (request.method !== 'GET' || !shellUrls().includes(url.href)) return;
  // Network first, so a new version shows at once when online; the cached shell when not.
  event.respondWith(fetch(request).catch(async () => (await caches.match(url.href, { cacheName: CACHE })) ?? Response.error()));
});
