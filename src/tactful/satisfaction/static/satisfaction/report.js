/* The monthly CSAT report's charts: the series come from the page (json_script), drawn by the
 * vendored Chart.js. The PDF draws the same series as SVG on the server. */
(() => {
  "use strict";
  const source = document.getElementById("csat-chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = data.colours;
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.chart = new window.Chart(canvas, config);
  };
  draw("chart-trend", {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: [
        { label: data.trend.names.csat, data: data.trend.csat, borderColor: colours.csat, backgroundColor: colours.csat, spanGaps: true },
        { label: data.trend.names.happiness, data: data.trend.happiness, borderColor: colours.happiness, backgroundColor: colours.happiness, spanGaps: true },
      ],
    },
    options: { scales: { y: { min: -100, max: 100 } } },
  });
  draw("chart-coach", {
    type: "bar",
    data: {
      labels: data.coach.labels,
      datasets: [
        { label: data.coach.names.csat, data: data.coach.csat, backgroundColor: colours.csat },
        { label: data.coach.names.interval, data: data.coach.interval, backgroundColor: "rgba(47,111,222,.25)" },
      ],
    },
    options: { scales: { y: { min: 0, max: 100 } } },
  });
  draw("chart-channels", {
    type: "bar",
    data: {
      labels: data.channels.labels,
      datasets: ["good", "neutral", "bad"].map((key) => ({ label: data.channels.names[key], data: data.channels[key], backgroundColor: colours[key] })),
    },
    options: { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  draw("chart-ratings", {
    type: "bar",
    data: { labels: data.ratings.labels, datasets: [{ label: data.ratings.name, data: data.ratings.values, backgroundColor: colours.csat }] },
  });
})();
