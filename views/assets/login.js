// The QR login page. It reads the state first (so a reload or a reconnect misses nothing), then
// listens on the Server-Sent Events stream (live-state.js, which also reconnects and polls).
(function () {
  'use strict';
  var root = document.getElementById('login');
  if (!root) return;
  var statusUrl = root.getAttribute('data-status-url');
  var eventsUrl = root.getAttribute('data-events-url');
  var qrBox = document.getElementById('qr');
  var qrLink = document.getElementById('qr-link');
  var qrLinkBox = document.getElementById('qr-link-box');
  var instruction = document.getElementById('instruction');
  var statusText = document.getElementById('status');
  var numberBox = document.getElementById('number-box');
  var numberText = document.getElementById('number');
  var restart = document.getElementById('restart');
  var approvedBy = document.getElementById('approved-by');
  var cancelForm = document.getElementById('cancel');
  var accountText = document.getElementById('account');
  var continueAs = document.getElementById('continue-as');
  var pageUrl = statusUrl.replace(/\/status$/, '');
  /** How long "Signed in as …" stays up, so a person signed in as someone else can cancel. */
  var SHOW_ACCOUNT_MS = 2000;
  // The code this page was rendered with: the first state read replaces it only if it changed.
  var shownRid = root.getAttribute('data-rid');
  var finished = false;
  var live = null;

  function say(text) { statusText.textContent = text; }

  // "Open it here" opens the code in this tab, where Scanin's web app answers it: the app reads
  // this mark to show the number this page shows, then comes back (src/webapp/client/sameBrowser.ts).
  qrLink.addEventListener('click', function () {
    try { sessionStorage.setItem('scanin-open-here', JSON.stringify({ rid: shownRid, page: pageUrl })); } catch (e) { /* storage off: the app works as for a scanned code */ }
  });

  function showQr(qr) {
    if (qr.rid) shownRid = qr.rid;
    // The SVG comes from our own server, made by the qrcode library from a URL we chose.
    qrBox.innerHTML = qr.svg;
    qrBox.classList.remove('faded');
    qrLink.setAttribute('href', qr.url);
    numberBox.classList.add('hidden');
    say('Waiting for your phone…');
  }

  // The number to pick is never in a JSON answer or an event (SECURITY.md, login relay): the
  // page reads it from its own HTML, where the server renders it once the code is scanned.
  function showNumber() {
    fetch(pageUrl, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : ''; })
      .then(function (html) {
        var number = new DOMParser().parseFromString(html, 'text/html').getElementById('number');
        var text = number ? number.textContent.trim() : '';
        if (text && !finished) {
          numberText.textContent = text;
          numberBox.classList.remove('hidden');
        }
      })
      .catch(function () { /* the person can still approve by reading the phone's choices again */ });
  }

  function finish() {
    finished = true;
    live.stop();
  }

  var handlers = {
    scanned: function () {
      qrBox.classList.add('faded');
      say('Scanned. Confirm on your phone.');
      showNumber();
    },
    approved: function (data) {
      finish();
      say('Approved. Signing you in…');
      numberBox.classList.add('hidden');
      accountText.textContent = data.account;
      approvedBy.classList.remove('hidden');
      setTimeout(function () { window.location.assign(data.complete_url); }, SHOW_ACCOUNT_MS);
    },
    denied: function () {
      finish();
      say('Denied on your phone.');
      window.location.assign(statusUrl.replace(/status$/, 'complete'));
    },
    qr: function (data) { showQr(data); },
    replaced: function () {
      // The same sign-in opened its stream again elsewhere (another tab): that one carries on.
      finish();
      say('This sign-in continues in another window.');
      restart.classList.remove('hidden');
    },
    expired: function () {
      finish();
      // Nothing left to scan or cancel: no code, no instruction to scan it, no link to a dead
      // request, no Cancel for a sign-in the server no longer knows.
      // Nor "Continue as … Use another account" for it.
      [qrBox, qrLinkBox, instruction, numberBox, cancelForm, continueAs].forEach(function (element) { if (element) element.classList.add('hidden'); });
      qrLink.removeAttribute('href');
      say('This sign-in has expired.');
      restart.classList.remove('hidden');
    }
  };

  function applyStatus(state) {
    if (state.qr && state.qr.rid !== shownRid && (state.status === 'pending' || state.status === 'scanned')) showQr(state.qr);
    if (state.status === 'scanned') handlers.scanned({});
    else if (state.status === 'approved') handlers.approved({ complete_url: state.complete_url, account: state.account });
    else if (state.status === 'denied') handlers.denied({});
  }

  function readStatus() {
    return fetch(statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (response.status === 400 || response.status === 404 || response.status === 409) { handlers.expired({}); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (state) { if (state && !finished) applyStatus(state); })
      .catch(function () { /* the stream or the next poll will try again */ });
  }

  live = window.scaninLiveState({
    // The server hears which code the page shows now.
    url: function () { return eventsUrl + '?rid=' + encodeURIComponent(shownRid || ''); },
    events: handlers,
    readState: readStatus,
    finished: function () { return finished; },
    pollMs: 2000,
  });
  readStatus().then(live.start);
})();
