// mapsync ui: the little the page does without a round trip. No build step, no libraries.
// - a select marked data-autosubmit submits its form when it changes (the language picker);
// - an element with data-poll="URL" is refreshed from URL every 500 ms while the run it shows
//   is running; with data-reload the page reloads once the run ends (lists change after it).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button[type=submit]");
    if (button) { button.hidden = true; }
  });

  document.querySelectorAll("select[data-original]").forEach(function (select) {
    select.addEventListener("change", function () {
      var row = select.closest("tr") || select.closest("label");
      row.classList.toggle("changed", select.value !== select.dataset.original);
    });
  });

  function running(box) {
    var progress = box.querySelector("#progress");
    return progress && progress.dataset.state === "running";
  }

  document.querySelectorAll("[data-poll]").forEach(function (box) {
    if (!running(box)) { return; }
    var timer = setInterval(function () {
      fetch(box.dataset.poll, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          box.innerHTML = html;
          if (!running(box)) {
            clearInterval(timer);
            if (box.hasAttribute("data-reload")) { window.location.reload(); }
          }
        });
    }, 500);
  });
})();
