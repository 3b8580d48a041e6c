// An invite's page on a computer: polls the invite's state while the phone enrolls, then goes to
// the page that shows the account's first recovery codes (once, to this browser). Polling, not
// a stream: the page has no sign-in to stream for, and one request every 2 s for a few minutes
// is nothing.
(function () {
  'use strict';
  var box = document.getElementById('invite-watch');
  if (!box) return;
  var statusUrl = box.getAttribute('data-status-url');
  var qr = document.getElementById('qr');

  function poll() {
    fetch(statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : { status: 'pending' }; })
      .then(function (state) {
        if (state.status === 'enrolled') {
          box.textContent = 'Your phone is bound.';
          window.location.assign(state.next_url);
        } else if (state.status === 'expired') {
          if (qr) qr.classList.add('faded');
          box.textContent = 'This link can no longer be used. Ask your administrator for a new invite.';
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }

  setTimeout(poll, 2000);
})();
