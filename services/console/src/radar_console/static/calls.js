// Manager calls saved in place: a form with data-inplace posts in the background (the
// CSRF token travels in the form) and its row says what happened, without a reload.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-inplace]")) return;
    event.preventDefault();
    var status = form.parentElement.querySelector(".call-status");
    status.className = "call-status";
    status.textContent = "Saving…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "accept": "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.ok) {
          status.className = "call-status saved";
          status.textContent = "Saved: called by " + answer.call.by_name + ", " + answer.call.at;
        } else {
          status.className = "call-status failed";
          status.textContent = "Not saved: " + (answer.error || "refused");
        }
      })
      .catch(function () {
        status.className = "call-status failed";
        status.textContent = "Not saved: the console did not answer";
      });
  });
})();
