// A /q/ link opened on a phone whose Scanin web app is enrolled goes straight to the app's
// approve screen (the app sets the mark when it enrolls). Without the mark, the link stays a
// button, so a computer that opens the link is not sent anywhere by itself.
const link = document.getElementById('open-in-app');
if (link && link.dataset.auto === 'true' && localStorage.getItem('scanin-app')) location.replace(link.href);
