// The QR page of a sign-up or a recovery: waits for the phone to enroll, then finishes the sign-in. It reads the
// state when the event stream opens (so an enrollment during the connect is not missed), then
// listens for `enrolled` on the sign-in's stream; where EventSource is missing it polls.
(function () {
  'use strict';
  var root = document.querySelector('[data-enrollment-wait]');
  if (!root) return;
  var statusUrl = root.getAttribute('data-status-url');
  var eventsUrl = root.getAttribute('data-events-url');
  var statusText = document.getElementById('status');
  var source = null;
  var finished = false;

  function done(completeUrl) {
    if (finished) return;
    finished = true;
    if (source) source.close();
    statusText.textContent = 'Your phone is bound. Signing you in…';
    window.location.assign(completeUrl);
  }

  function expired() {
    if (finished) return;
    finished = true;
    if (source) source.close();
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

  function listen() {
    if (finished) return;
    source = new EventSource(eventsUrl);
    source.addEventListener('open', readStatus);
    source.addEventListener('enrolled', function (event) { done(JSON.parse(event.data).complete_url); });
    source.addEventListener('expired', expired);
    source.addEventListener('replaced', function () { source.close(); });
    source.addEventListener('error', function () {
      if (finished) return;
      source.close();
      setTimeout(listen, 2000);
    });
  }

  function poll() {
    if (finished) return;
    readStatus().then(function () { setTimeout(poll, 2000); });
  }

  if (typeof window.EventSource === 'function') listen();
  else poll();
})();
