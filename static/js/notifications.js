// Notification centre: keep the navigation bell's badge and the page's unread counter in step after an htmx
// "mark as read" (the server sends the new count in the HX-Trigger header), and draw the sent log's progress bars.
(function () {
  "use strict";

  function bellLink() {
    var icon = document.querySelector(".navbar .bi-bell");
    return icon ? icon.closest("a") : null;
  }

  function setUnread(count) {
    var link = bellLink();
    if (link) {
      var badge = link.querySelector(".badge");
      if (count > 0) {
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "badge rounded-pill text-bg-danger";
          link.append(" ", badge);
        }
        badge.textContent = String(count);
      } else if (badge) {
        badge.remove();
      }
    }
    document.querySelectorAll("[data-unread-count]").forEach(function (el) { el.textContent = String(count); });
  }

  document.body.addEventListener("notificationsUnread", function (event) {
    var count = event.detail && typeof event.detail.count === "number" ? event.detail.count : null;
    if (count !== null) { setUnread(count); }
  });

  document.querySelectorAll("[data-progress]").forEach(function (bar) {
    var value = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-progress"), 10) || 0));
    bar.style.width = value + "%";
  });
})();
