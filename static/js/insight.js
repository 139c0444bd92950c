// Insight pages (SPEC §16): print button, filter forms that apply on change, and the trend charts
// (data from json_script "in-trends"; readable with one quarter as with eight).
(function () {
  "use strict";

  document.querySelectorAll("[data-in-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form[data-in-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var dataNode = document.getElementById("in-trends");
  var scoreCanvas = document.getElementById("in-score-chart");
  var rankCanvas = document.getElementById("in-rank-chart");
  var picker = document.getElementById("in-trend-unit");
  if (!dataNode || !scoreCanvas || !rankCanvas || !picker || typeof Chart === "undefined") { return; }
  var trends = JSON.parse(dataNode.textContent);
  var keys = Object.keys(trends.series);
  if (!keys.length) { return; }

  // The reader's own units first, then functions, then projects.
  function group(key) {
    var s = trends.series[key];
    return s.mine ? "mine" : s.kind;
  }
  var order = { mine: 0, "function": 1, project: 2 };
  keys.sort(function (a, b) {
    var ga = order[group(a)], gb = order[group(b)];
    if (ga !== gb) { return ga - gb; }
    return trends.series[a].name.localeCompare(trends.series[b].name, "zh");
  });
  var groups = {};
  keys.forEach(function (key) {
    var g = group(key);
    if (!groups[g]) {
      groups[g] = document.createElement("optgroup");
      groups[g].label = picker.getAttribute(g === "mine" ? "data-label-mine" : g === "function" ? "data-label-function" : "data-label-project");
      picker.appendChild(groups[g]);
    }
    var option = document.createElement("option");
    option.value = key;
    option.textContent = trends.series[key].name;
    groups[g].appendChild(option);
  });

  // With a single quarter a line has one point: draw large points so a lone value is plain to see.
  var single = trends.labels.length === 1;
  var radius = single ? 8 : 4;
  function numbers(values) { return values.map(function (v) { return v === null ? null : parseFloat(v); }); }

  var scoreChart = new Chart(scoreCanvas, {
    type: "line",
    data: { labels: trends.labels, datasets: [{ label: scoreCanvas.getAttribute("data-label-score"), data: [], borderColor: "#0d6efd",
      backgroundColor: "rgba(13,110,253,.15)", fill: !single, tension: 0.25, spanGaps: true, pointRadius: radius, pointHoverRadius: radius + 2 }] },
    options: {
      maintainAspectRatio: false,
      scales: { y: { suggestedMin: 0, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      plugins: { tooltip: { callbacks: { afterLabel: function (ctx) {
        var grade = trends.series[picker.value].grade[ctx.dataIndex];
        return grade ? scoreCanvas.getAttribute("data-label-grade") + " " + grade : "";
      } } } }
    }
  });
  var rankChart = new Chart(rankCanvas, {
    type: "line",
    data: { labels: trends.labels, datasets: [{ label: rankCanvas.getAttribute("data-label-rank"), data: [], borderColor: "#b8860b",
      backgroundColor: "#b8860b", tension: 0, spanGaps: true, pointRadius: radius, pointHoverRadius: radius + 2 }] },
    options: {
      maintainAspectRatio: false,
      scales: { y: { reverse: true, suggestedMin: 1, ticks: { stepSize: 1, precision: 0 } } }
    }
  });

  function show(key) {
    var s = trends.series[key];
    if (!s) { return; }
    picker.value = key;
    scoreChart.data.datasets[0].data = numbers(s.percent);
    scoreChart.data.datasets[0].label = s.name;
    rankChart.data.datasets[0].data = s.rank.map(function (r) { return r === null ? null : r; });
    scoreChart.update();
    rankChart.update();
  }
  picker.addEventListener("change", function () { show(picker.value); });
  document.querySelectorAll(".in-trend-table tr[data-unit]").forEach(function (row) {
    row.addEventListener("click", function () { show(row.getAttribute("data-unit")); });
  });
  show(keys[0]);
})();
