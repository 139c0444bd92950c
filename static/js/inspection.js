// Quarterly inspection pages: confirmations for finalising and reopening, and a fading "saved" mark after htmx saves.
(function () {
  "use strict";

  function fadeSavedMarks(root) {
    (root || document).querySelectorAll(".saved-flash").forEach(function (mark) {
      window.setTimeout(function () { mark.classList.add("fade-out"); }, 1500);
    });
  }

  // Forms that ask before they send (data-confirm="…"), instead of inline onsubmit handlers (CSP).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // After a verdict is saved, mark the card as answered so the inspector sees where they are.
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.target;
    fadeSavedMarks(status.parentNode || document);
    var card = status.closest ? status.closest(".inspection-item") : null;
    var fresh = card ? card.querySelector("[data-verdict]") : null;
    if (card && fresh) {
      card.classList.toggle("is-answered", fresh.dataset.verdict !== "");
      card.classList.toggle("is-discrepancy", fresh.dataset.discrepancy === "true");
    }
  });

  document.addEventListener("DOMContentLoaded", function () { fadeSavedMarks(document); });
})();
