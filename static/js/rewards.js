// Rewards pages: year selector submits on change; the split form shows its running total and can split evenly.
// No inline script (CSP): everything is wired from data-* attributes.
(function () {
  "use strict";

  function money(n) {
    var sign = n < 0 ? "-" : "";
    return sign + "¥" + Math.abs(n).toLocaleString("en-US");
  }

  document.querySelectorAll("form[data-rw-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Widths of progress segments come from data attributes (no inline style in the markup).
  document.querySelectorAll("[data-rw-width]").forEach(function (el) {
    el.style.width = el.getAttribute("data-rw-width") + "%";
  });

  document.querySelectorAll("form[data-rw-split]").forEach(function (form) {
    var amount = parseInt(form.getAttribute("data-amount"), 10);
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.js-split-part"));
    var sumEl = form.querySelector("[data-rw-sum]");
    var remainingEl = form.querySelector("[data-rw-remaining]");
    var bar = form.querySelector("[data-rw-bar]");

    function update() {
      var total = 0;
      var bad = false;
      inputs.forEach(function (input) {
        var text = input.value.trim();
        if (text === "") { input.classList.remove("is-invalid"); return; }
        var value = Number(text);
        var wrongSign = value !== 0 && (value > 0) !== (amount > 0);
        var invalid = !Number.isInteger(value) || wrongSign;
        input.classList.toggle("is-invalid", invalid);
        if (invalid) { bad = true; } else { total += value; }
      });
      var remaining = amount - total;
      sumEl.textContent = money(total);
      var pct = amount === 0 ? 0 : Math.max(0, Math.min(100, Math.round((100 * total) / amount)));
      bar.style.width = pct + "%";
      bar.classList.toggle("bg-success", remaining === 0 && !bad);
      bar.classList.toggle("bg-danger", (amount > 0 ? remaining < 0 : remaining > 0) || bad);
      if (remaining === 0 && !bad) {
        remainingEl.textContent = "✓";
        remainingEl.className = "text-success fw-semibold";
      } else {
        remainingEl.textContent = (bad ? "⚠ " : "") + "≠ " + money(remaining);
        remainingEl.className = "text-danger";
      }
    }

    var even = form.querySelector("[data-rw-even]");
    if (even) {
      even.addEventListener("click", function () {
        var count = inputs.length;
        if (!count) { return; }
        var sign = amount < 0 ? -1 : 1;
        var base = Math.floor(Math.abs(amount) / count);
        var extra = Math.abs(amount) % count;
        inputs.forEach(function (input, i) { input.value = sign * (base + (i < extra ? 1 : 0)); });
        update();
      });
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
  });
})();
