// Results pages: score bars, the quarter picker and each unit's trend chart (data from json_script "sc-trends").
(function () {
  "use strict";

  // Bar widths come from data attributes (no inline style in the markup).
  document.querySelectorAll("[data-sc-width]").forEach(function (bar) {
    var value = parseFloat(bar.getAttribute("data-sc-width"));
    bar.style.width = (isNaN(value) ? 0 : Math.max(0, Math.min(100, value))) + "%";
  });

  // Choosing a quarter goes to its page.
  document.querySelectorAll("[data-sc-navigate]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.value) { window.location.href = select.value; } });
  });

  var dataNode = document.getElementById("sc-trends");
  var canvas = document.getElementById("sc-trend-chart");
  var picker = document.getElementById("sc-trend-unit");
  if (!dataNode || !canvas || !picker || typeof Chart === "undefined") { return; }
  var trends = JSON.parse(dataNode.textContent);
  var keys = Object.keys(trends.series);
  if (!keys.length) { return; }

  keys.sort(function (a, b) {
    var ka = trends.series[a].kind, kb = trends.series[b].kind;
    if (ka !== kb) { return ka === "function" ? -1 : 1; }
    return trends.series[a].name.localeCompare(trends.series[b].name, "zh");
  });
  var groups = {};
  keys.forEach(function (key) {
    var kind = trends.series[key].kind;
    if (!groups[kind]) {
      groups[kind] = document.createElement("optgroup");
      groups[kind].label = canvas.getAttribute(kind === "function" ? "data-label-function" : "data-label-project");
      picker.appendChild(groups[kind]);
    }
    var option = document.createElement("option");
    option.value = key;
    option.textContent = trends.series[key].name;
    groups[kind].appendChild(option);
  });

  function numbers(values) { return values.map(function (v) { return v === null ? null : parseFloat(v); }); }
  function flat(value) { return trends.labels.map(function () { return parseFloat(value); }); }
  // With a single quarter a threshold "line" is one point: draw it as a short dash so it stays visible.
  var thresholdRadius = trends.labels.length === 1 ? 8 : 0;

  var start = canvas.getAttribute("data-default");
  picker.value = trends.series[start] ? start : keys[0];
  var chart = new Chart(canvas, {
    type: "line",
    data: {
      labels: trends.labels,
      datasets: [
        { label: canvas.getAttribute("data-label-score"), data: [], borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.12)",
          fill: true, tension: 0.25, spanGaps: true, pointRadius: 4 },
        { label: canvas.getAttribute("data-label-reward"), data: flat(canvas.getAttribute("data-reward")), borderColor: "#1a7f37",
          borderDash: [6, 4], pointRadius: thresholdRadius, pointStyle: "line", fill: false },
        { label: canvas.getAttribute("data-label-penalty"), data: flat(canvas.getAttribute("data-penalty")), borderColor: "#c0392b",
          borderDash: [6, 4], pointRadius: thresholdRadius, pointStyle: "line", fill: false }
      ]
    },
    options: {
      maintainAspectRatio: false,
      scales: { y: { suggestedMin: 0, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: {
        tooltip: { callbacks: { afterLabel: function (ctx) {
          if (ctx.datasetIndex !== 0) { return ""; }
          var grade = trends.series[picker.value].grade[ctx.dataIndex];
          return grade ? canvas.getAttribute("data-label-grade") + " " + grade : "";
        } } }
      }
    }
  });

  function show(key) {
    if (!trends.series[key]) { return; }
    picker.value = key;
    chart.data.datasets[0].data = numbers(trends.series[key].percent);
    chart.data.datasets[0].label = trends.series[key].name;
    chart.update();
  }
  picker.addEventListener("change", function () { show(picker.value); });
  document.querySelectorAll("[data-sc-trend]").forEach(function (button) {
    button.addEventListener("click", function () {
      show(button.getAttribute("data-sc-trend"));
      canvas.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  show(picker.value);
})();
