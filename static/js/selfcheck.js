// Monthly self-check page. A 422 answer means "not saved, here is why": let htmx swap it in so the message shows.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A request that never reached the server (network down on a site walk): say so on the item instead of failing silently.
document.addEventListener("htmx:sendError", function (event) {
  var item = event.detail.elt && event.detail.elt.closest(".selfcheck-item");
  if (!item || item.querySelector(".network-error")) { return; }
  var note = document.createElement("div");
  note.className = "alert alert-danger py-2 px-3 small mb-2 network-error";
  note.setAttribute("role", "alert");
  var holder = item.closest("[data-network-error]");
  note.textContent = holder ? holder.dataset.networkError : "";
  item.querySelector(".card-body").prepend(note);
});

// Choosing "不适用" opens the reason field (CSS); nothing is sent until a reason is typed, so the field is not
// replaced while the lead is typing in it. The server refuses an empty reason anyway.
document.addEventListener("htmx:confirm", function (event) {
  var form = event.detail.elt;
  if (!form || !form.matches || !form.matches(".item-form")) { return; }
  var status = form.querySelector("input[name=status]:checked");
  var reason = form.querySelector("input[name=na_reason]");
  if (status && status.value === "na" && reason && !reason.value.trim()) {
    event.preventDefault();
    reason.focus();
  }
});

// "下一个未填项": scroll to the next item still unanswered (after the one being answered, or below the top of the
// screen; else the first one), and put
// the focus on its first status button so that it can be answered at once.
var lastItem = null;
document.addEventListener("focusin", function (event) {
  var item = event.target.closest && event.target.closest(".selfcheck-item");
  if (item) { lastItem = item; }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest(".js-next-unanswered");
  if (!button) { return; }
  var blanks = Array.prototype.slice.call(document.querySelectorAll(".selfcheck-item"))
    .filter(function (item) { return item.querySelector(".status-badge.status-blank"); });
  if (!blanks.length) { return; }
  // After the item last worked on (the button itself takes the focus), else below the top of the screen.
  var current = lastItem && document.contains(lastItem) ? lastItem : null;
  var next = current
    ? blanks.find(function (item) { return current.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING; })
    : blanks.find(function (item) { return item.getBoundingClientRect().top > 40; });
  next = next || blanks[0];
  next.scrollIntoView({ block: "start" });
  var first = next.querySelector("input[name=status]");
  if (first) { first.focus({ preventScroll: true }); }
});
