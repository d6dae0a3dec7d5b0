// Leadership dashboard: draws the charts from #dashboard-data (the same numbers as the tables on the page).
(function () {
  "use strict";
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var locale = (document.documentElement.lang || "vi").indexOf("en") === 0 ? "en-US" : "vi-VN";
  var RED = "#a31515", BLUE = "#1d4ed8";
  var PALETTE = ["#a31515", "#1d4ed8", "#1e7b34", "#9a6700", "#6d28d9", "#0e7490", "#be185d", "#4b5563"];
  var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

  // Tables: shown without JavaScript and in print; on screen they fold away behind a button.
  document.querySelectorAll("[data-toggle-table]").forEach(function (button) {
    var table = document.getElementById(button.getAttribute("aria-controls"));
    if (!table) return;
    table.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      table.hidden = !table.hidden;
      button.setAttribute("aria-expanded", String(!table.hidden));
    });
  });

  if (typeof Chart === "undefined") return;
  Chart.defaults.locale = locale;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1f2933";
  Chart.defaults.animation = false; // figures, not a show; also keeps printing instant

  function tooltipLabel(points) {
    return function (ctx) { return " " + (points[ctx.dataIndex].display || "—"); };
  }

  var trendCanvas = document.getElementById("chart-trend");
  if (trendCanvas) {
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: data.trend.map(function (p) { return p.label; }),
        datasets: [{
          label: data.indicator.name, data: data.trend.map(function (p) { return p.value; }),
          borderColor: RED, backgroundColor: "rgba(163,21,21,.12)", fill: true, tension: 0.2, spanGaps: false, pointRadius: 3
        }]
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipLabel(data.trend) } } },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return number.format(v); } } } }
      }
    });
  }

  var rankCanvas = document.getElementById("chart-ranking");
  if (rankCanvas && data.ranking.length) {
    var drill = rankCanvas.getAttribute("data-drill");
    new Chart(rankCanvas, {
      type: "bar",
      data: {
        labels: data.ranking.map(function (p) { return p.label; }),
        datasets: [{ label: data.indicator.name, data: data.ranking.map(function (p) { return p.value; }), backgroundColor: BLUE }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipLabel(data.ranking) } } },
        scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false, font: { size: 11 } } } },
        onHover: function (event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var point = data.ranking[elements[0].index];
          if (point.code) window.location.href = drill + encodeURIComponent(point.code);
        }
      }
    });
  }

  var mixCanvas = document.getElementById("chart-composition");
  if (mixCanvas && data.composition.length) {
    new Chart(mixCanvas, {
      type: "doughnut",
      data: {
        labels: data.composition.map(function (p) { return p.label; }),
        datasets: [{ data: data.composition.map(function (p) { return p.value; }), backgroundColor: PALETTE }]
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          // The channels' names are long: the legend is a list under the chart, where they wrap.
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return " " + data.composition[ctx.dataIndex].display; } } }
        }
      }
    });
    var legend = document.getElementById("legend-composition");
    if (legend) {
      data.composition.forEach(function (p, i) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.backgroundColor = PALETTE[i % PALETTE.length];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(p.label + " — " + p.display));
        legend.appendChild(item);
      });
    }
  }

  // Charts redraw at the paper's width before printing.
  window.addEventListener("beforeprint", function () {
    Object.values(Chart.instances).forEach(function (c) { c.resize(); });
  });
})();
