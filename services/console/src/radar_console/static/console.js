// Live updates: an element with data-live="<fragment url>" is refreshed in place
// every data-every seconds, unless focus is inside it (someone is typing there).
(function () {
  "use strict";
  function refresh(element) {
    if (element.contains(document.activeElement)) return;
    fetch(element.dataset.live, { credentials: "same-origin", headers: { "accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/sign-in?expired=1"); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null && html !== undefined) element.innerHTML = html; })
      .catch(function () { /* the next tick tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      var seconds = parseFloat(element.dataset.every || "5");
      window.setInterval(function () { refresh(element); }, seconds * 1000);
    });
  });
})();
