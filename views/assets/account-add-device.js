// The add-device page: while a code waits for a device, or a device waits for Confirm, it
// listens on its event stream and reloads as soon as the state differs from the one it shows
// (a device enrolled, it was confirmed or removed elsewhere, the time ran out), so the server
// draws every state. Where EventSource is missing it polls the status instead.
(function () {
  'use strict';
  var root = document.getElementById('add-device');
  if (!root || !root.getAttribute('data-events-url')) return;
  var shown = root.getAttribute('data-key');
  var eventsUrl = root.getAttribute('data-events-url');
  var statusUrl = root.getAttribute('data-status-url');
  var source = null;
  var finished = false;

  function check(state) {
    if (finished || !state || state.key === shown) return;
    finished = true;
    if (source) source.close();
    window.location.reload();
  }

  function readStatus() {
    return fetch(statusUrl, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { key: '' }; })
      .then(check)
      .catch(function () { /* the next try will tell */ });
  }

  function listen() {
    if (finished) return;
    source = new EventSource(eventsUrl);
    source.addEventListener('state', function (event) { check(JSON.parse(event.data)); });
    source.addEventListener('reconnect', function () { source.close(); listen(); });
    source.addEventListener('error', function () {
      if (finished) return;
      source.close();
      setTimeout(function () { readStatus().then(listen); }, 2000);
    });
  }

  function poll() {
    if (finished) return;
    readStatus().then(function () { setTimeout(poll, 3000); });
  }

  if (typeof window.EventSource === 'function') listen();
  else poll();
})();
