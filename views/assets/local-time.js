// Times in the viewer's own time zone. The server renders each <time datetime> in UTC and says
// so ("19 Nov 2026, 12:00 UTC", the exact time in its title); here a date and time becomes the
// browser's local one, with its zone named, and the title too. "3 hours ago" needs no zone and
// keeps its words (data-relative).
(function () {
  'use strict';
  if (typeof Intl !== 'object' || !Intl.DateTimeFormat) return;
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i += 1) {
    var date = new Date(times[i].getAttribute('datetime'));
    if (isNaN(date.getTime())) continue;
    var local = format.format(date);
    times[i].setAttribute('title', local);
    if (!times[i].hasAttribute('data-relative')) times[i].textContent = local;
  }
})();
