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
