// What the pages that wait on the phone share (the QR login; a sign-up's or a recovery's QR code;
// adding a device): hearing the server on a Server-Sent Events stream, and reading the state
// whenever they may have missed some of it. EventSource's own reconnection is not used: it would
// reuse the first URL (the login page must say which code it shows now) and would say nothing
// of what happened while it was away. So after an error the page reads the state, then listens
// again. A server that is stopping says `reconnect`: the page listens again at once, which lands
// on another instance, after a little randomness so that thousands of pages do not arrive at
// the same instant. Where EventSource is missing, the page polls the state instead.
// While the stream is down (the server is unreachable, restarting), the page says "Connection
// lost, retrying…" in a live region, and stops saying it once a stream is open again.
//
//   var live = window.scaninLiveState({
//     url: function () { … },            // the stream's URL, asked at each (re)connection
//     events: { type: function (data) { … } },   // handlers by event type, data parsed
//     readState: function () { … },      // a promise, settled once the state is read and shown
//     finished: function () { … },       // true once there is nothing more to wait for
//     pollMs: 2000,
//   });
//   live.start();  …  live.stop();
window.scaninLiveState = function (options) {
  'use strict';
  var source = null;
  // In the page from the start, empty: a live region that appears with its text is often not read out.
  var lost = document.createElement('p');
  lost.id = 'connection-lost';
  lost.className = 'connection-lost';
  lost.setAttribute('role', 'status');
  lost.setAttribute('aria-live', 'polite');
  (document.querySelector('main') || document.body).prepend(lost);

  function connected(yes) { lost.textContent = yes ? '' : 'Connection lost, retrying…'; }

  function stop() {
    if (source) source.close();
  }

  function again(delayMs) {
    stop();
    setTimeout(function () { options.readState().then(listen); }, delayMs);
  }

  function listen() {
    if (options.finished()) return;
    source = new EventSource(options.url());
    Object.keys(options.events).forEach(function (type) {
      source.addEventListener(type, function (event) { options.events[type](event.data ? JSON.parse(event.data) : {}); });
    });
    source.addEventListener('reconnect', function () { again(Math.random() * 500); });
    source.addEventListener('open', function () { connected(true); });
    source.addEventListener('error', function () {
      if (options.finished()) return;
      connected(false);
      again(2000);
    });
  }

  function poll() {
    if (options.finished()) return;
    options.readState().then(function () { setTimeout(poll, options.pollMs); });
  }

  return {
    start: function () {
      if (typeof window.EventSource === 'function') listen();
      else poll();
    },
    stop: stop,
  };
};
