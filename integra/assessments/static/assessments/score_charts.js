// One line chart per instrument on a person's assessments page. The data come from the
// json_script element "score-series"; each chart has a data table beside it as the
// accessible alternative, so the canvas is decorative for screen readers beyond its label.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("score-series");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var series = JSON.parse(source.textContent);
    document.querySelectorAll("canvas.score-chart").forEach(function (canvas) {
      var data = series[canvas.dataset.instrument];
      if (!data) {
        return;
      }
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [{ label: data.title, data: data.values, borderColor: "#0066cc",
            backgroundColor: "#0066cc", tension: 0, spanGaps: true }]
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { min: data.min, max: data.max, ticks: { precision: 0 } } },
          plugins: { legend: { display: false } }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
