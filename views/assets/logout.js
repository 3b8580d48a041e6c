// The front-channel logout page: once every app's logout frame has loaded, go on to where the
// sign-out leads (the "Continue" link is there for browsers without script).
(function () {
  'use strict';
  var root = document.getElementById('logout-frames');
  if (!root) return;
  var frames = root.getElementsByTagName('iframe');
  var waiting = frames.length;
  function loaded() {
    waiting -= 1;
    if (waiting <= 0) window.location.assign(root.getAttribute('data-next'));
  }
  for (var i = 0; i < frames.length; i += 1) frames[i].addEventListener('load', loaded);
  if (waiting === 0) loaded();
})();
