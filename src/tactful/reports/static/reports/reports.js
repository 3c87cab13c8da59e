// Draws the report's charts from the JSON the page carries (no data is fetched).
(function () {
  "use strict";
  var COLORS = ["#3d5a98", "#b5651d", "#2f7a4a", "#a3261b", "#6b4c9a", "#4b5366"];

  function dataset(spec, index, stacked) {
    var color = COLORS[index % COLORS.length];
    return {
      type: spec.kind === "bar" || stacked ? "bar" : "line",
      label: spec.label,
      data: spec.data,
      borderColor: color,
      backgroundColor: spec.kind === "bar" || stacked ? color + "cc" : color,
      borderDash: spec.dashed ? [6, 4] : [],
      spanGaps: true,
      tension: 0.2,
      stack: stacked ? "shares" : undefined,
    };
  }

  function draw() {
    var source = document.getElementById("report-chart-data");
    if (!source || typeof Chart === "undefined") { return; }
    var report = JSON.parse(source.textContent);
    var drawn = 0;
    report.charts.forEach(function (spec) {
      var canvas = document.getElementById("chart-" + spec.id);
      if (!canvas) { return; }
      var stacked = spec.type === "stacked";
      new Chart(canvas, {
        type: stacked || spec.type === "bar" ? "bar" : "line",
        data: {
          labels: report.labels,
          datasets: spec.datasets.map(function (d, i) { return dataset(d, i, stacked); }),
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: stacked ? { x: { stacked: true }, y: { stacked: true, max: 100 } } : { y: { beginAtZero: true } },
          plugins: { legend: { position: "bottom" } },
        },
      });
      canvas.dataset.drawn = "yes";
      drawn += 1;
    });
    document.getElementById("report-charts").dataset.drawn = String(drawn);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
