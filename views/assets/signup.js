// The QR page of a sign-up or a recovery: waits for the phone to enroll, then finishes the sign-in. It reads the
// state when the event stream opens (so an enrollment during the connect is not missed), and
// listens for `enrolled` on the sign-in's stream (live-state.js, which also reconnects and polls).
(function () {
  'use strict';
  var root = document.querySelector('[data-enrollment-wait]');
  if (!root) return;
  var statusUrl = root.getAttribute('data-status-url');
  var eventsUrl = root.getAttribute('data-events-url');
  var statusText = document.getElementById('status');
  var finished = false;
  var live = null;

  function done(completeUrl) {
    if (finished) return;
    finished = true;
    live.stop();
    statusText.textContent = 'Your phone is bound. Signing you in…';
    window.location.assign(completeUrl);
  }

  function expired() {
    if (finished) return;
    finished = true;
    live.stop();
    // The server's page says what to do next.
    window.location.reload();
  }

  function readStatus() {
    return fetch(statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { status: 'expired' }; })
      .then(function (state) {
        if (state.status === 'enrolled') done(state.complete_url);
        else if (state.status === 'expired') expired();
      })
      .catch(function () { /* the stream or the next poll will try again */ });
  }

  live = window.scaninLiveState({
    url: function () { return eventsUrl; },
    events: {
      open: readStatus,
      enrolled: function (data) { done(data.complete_url); },
      expired: expired,
      // The same sign-up's page opened its stream again elsewhere (another tab): that one carries on.
      replaced: function () { live.stop(); },
    },
    readState: readStatus,
    finished: function () { return finished; },
    pollMs: 2000,
  });
  live.start();
})();
