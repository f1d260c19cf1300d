/* Charts of the dashboard (Chart.js, vendored). No build step, no CDN. */
(function () {
  "use strict";
  var COLORS = { BUY: "#1e8e4f", REVIEW: "#d69e2e", SKIP: "#9aa3b2" };
  var money = function (v) { return (v < 0 ? "−$" : "$") + Math.abs(v).toFixed(2); };

  function batch(url, bookUrlTemplate) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        var roi = document.getElementById("roi-chart");
        if (roi) {
          new Chart(roi, {
            type: "bar",
            data: {
              labels: data.roi_histogram.labels,
              datasets: ["BUY", "REVIEW", "SKIP"].map(function (d) {
                return { label: d, data: data.roi_histogram.counts[d], backgroundColor: COLORS[d] };
              })
            },
            options: {
              maintainAspectRatio: false, animation: false,
              scales: { x: { stacked: true, title: { display: true, text: "ROI" } },
                        y: { stacked: true, beginAtZero: true, title: { display: true, text: "books" }, ticks: { precision: 0 } } },
              plugins: { legend: { position: "bottom" } }
            }
          });
        }
        var scatter = document.getElementById("scatter-chart");
        if (scatter) {
          var points = data.scatter.points;
          new Chart(scatter, {
            type: "scatter",
            data: {
              datasets: ["BUY", "REVIEW", "SKIP"].map(function (d) {
                return {
                  label: d, backgroundColor: COLORS[d], pointRadius: 3.5, pointHoverRadius: 6,
                  data: points.filter(function (p) { return p.decision === d; })
                };
              })
            },
            options: {
              maintainAspectRatio: false, animation: false,
              scales: { x: { min: 0, max: 100, title: { display: true, text: "velocity (0–100)" } },
                        y: { title: { display: true, text: "profit per unit ($)" } } },
              plugins: {
                legend: { position: "bottom" },
                tooltip: { callbacks: { label: function (c) {
                  return c.raw.title + ": " + money(c.raw.y) + ", velocity " + c.raw.x.toFixed(1);
                } } }
              },
              onClick: function (evt, elements) {
                if (!elements.length) { return; }
                var p = elements[0].element.$context.raw;
                window.location = bookUrlTemplate.replace("00000000-0000-0000-0000-000000000000", p.id);
              }
            }
          });
          var note = document.getElementById("scatter-note");
          if (note && data.scatter.shown < data.scatter.total) {
            note.textContent = "Showing a random sample of " + data.scatter.shown.toLocaleString() + " of the " + data.scatter.total.toLocaleString() + " books with a price.";
          }
        }
      })
      .catch(function () {
        document.querySelectorAll("#roi-chart, #scatter-chart").forEach(function (canvas) {
          var box = canvas.parentNode;
          box.classList.add("chart-failed");
          box.textContent = "The chart could not be loaded. Reload the page to try again.";
        });
      });
  }

  /* The chart sellers know from Keepa: price series as steps over time, sales rank on its
     own (reversed: lower is better) axis. `history` maps series → [[unix seconds, value], …]. */
  function book(canvasId, data, options) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) { return; }
    var history = data.series || {};
    var seriesStyle = {
      AMAZON: { label: "Amazon", color: "#f0a030" },
      NEW: { label: "New", color: "#2f7dd1" },
      USED: { label: "Used", color: "#444c5a" },
      NEW_FBA: { label: "New, FBA", color: "#e0457b" },
      SALES: { label: "Sales rank", color: "#3aa65c" }
    };
    var datasets = [];
    Object.keys(seriesStyle).forEach(function (name) {
      var points = (history[name] || []).slice();
      if (!points.length) { return; }
      var isRank = name === "SALES";
      var last = points[points.length - 1];
      if (data.until && last[0] < data.until) { points.push([data.until, last[1]]); }  // a step holds until now
      datasets.push({
        label: seriesStyle[name].label,
        data: points.map(function (p) {
          return { x: p[0] * 1000, y: p[1] === null ? null : (isRank ? p[1] : p[1] / options.priceDivisor) };
        }),
        borderColor: seriesStyle[name].color, backgroundColor: seriesStyle[name].color,
        stepped: isRank ? false : "before", spanGaps: false, pointRadius: 0, borderWidth: isRank ? 1.5 : 2,
        yAxisID: isRank ? "rank" : "price"
      });
    });
    var times = [];
    datasets.forEach(function (d) { d.data.forEach(function (p) { times.push(p.x); }); });
    var xMin = Math.min.apply(null, times), xMax = Math.max.apply(null, times);
    // A listing tracked for a few days only: show the hours, or every tick reads the same date.
    var short = xMax - xMin < 3 * 86400000;
    var fmtDate = function (ms) {
      var iso = new Date(ms).toISOString();
      return short ? iso.slice(5, 10) + " " + iso.slice(11, 16) : iso.slice(0, 10);
    };
    new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false, animation: false, parsing: false, normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: { type: "linear", min: xMin, max: xMax, ticks: { callback: function (v) { return fmtDate(v); }, maxTicksLimit: 8 } },
          price: { position: "left", title: { display: true, text: "price ($)" }, beginAtZero: true },
          rank: { position: "right", reverse: true, grid: { drawOnChartArea: false }, title: { display: true, text: "sales rank" } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? fmtDate(items[0].parsed.x) : ""; },
            label: function (c) {
              if (c.parsed.y === null) { return c.dataset.label + ": no offer"; }
              return c.dataset.label + ": " + (c.dataset.yAxisID === "rank" ? "#" + c.parsed.y.toLocaleString() : money(c.parsed.y));
            }
          } }
        }
      }
    });
  }

  window.vaultCharts = { batch: batch, book: book };
})();
