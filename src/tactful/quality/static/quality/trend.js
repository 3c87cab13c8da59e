// The team score's weekly trend: reviewers' and the coach's mean score, drawn with Chart.js.
(function () {
  var data = JSON.parse(document.getElementById("quality-trend-data").textContent);
  var canvas = document.getElementById("quality-trend");
  if (!window.Chart || !canvas) return;
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.human, data: data.human, borderColor: "#2f6fde", backgroundColor: "#2f6fde", spanGaps: true },
        { label: data.names.coach, data: data.coach, borderColor: "#2e9d5b", backgroundColor: "#2e9d5b", borderDash: [6, 4], spanGaps: true }
      ]
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100 } }
    }
  });
  canvas.dataset.ready = "1";
})();
