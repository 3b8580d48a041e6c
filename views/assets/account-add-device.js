// The add-device page: while a code waits for a device, or a device waits for Confirm, it
// listens on its event stream and reloads as soon as the state differs from the one it shows
// (a device enrolled, it was confirmed or removed elsewhere, the time ran out), so the server
// draws every state (live-state.js, which also reconnects, and polls where EventSource is missing).
(function () {
  'use strict';
  var root = document.getElementById('add-device');
  if (!root || !root.getAttribute('data-events-url')) return;
  var shown = root.getAttribute('data-key');
  var eventsUrl = root.getAttribute('data-events-url');
  var statusUrl = root.getAttribute('data-status-url');
  var finished = false;
  var live = null;

  function check(state) {
    if (finished || !state || state.key === shown) return;
    finished = true;
    live.stop();
    window.location.reload();
  }

  function readStatus() {
    return fetch(statusUrl, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { key: '' }; })
      .then(check)
      .catch(function () { /* the next try will tell */ });
  }

  live = window.scaninLiveState({
    url: function () { return eventsUrl; },
    events: { state: check },
    readState: readStatus,
    finished: function () { return finished; },
    pollMs: 3000,
  });
  live.start();
})();
