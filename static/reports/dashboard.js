// 管理驾驶舱 (templates/reports/dashboard.html): draws every chart with ECharts from the figures the page carries in
// <script type="application/json" id="dashboard-data"> (reports.selectors.dashboard, plus the links the view added)
// and the chart words in #dashboard-labels (translated by Django). A file, not an inline script: the
// Content-Security-Policy allows none.
//
// Every element that stands for feedback carries `url`: the feedback list filtered to exactly the records counted.
// Clicking it opens that list. A chart without data shows 无数据 (and data-empty="1" on its element).
(function () {
  "use strict";

  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof echarts === "undefined") {
    return;
  }
  var D = JSON.parse(dataNode.textContent);
  var L = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var PALETTE = ["#0d6efd", "#20c997", "#ffc107", "#dc3545", "#6f42c1", "#fd7e14", "#0dcaf0", "#6c757d"];
  var charts = [];

  function pct(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function pctValue(rate) {
    // a rate 0..1 as a percentage for an axis (null stays null: ECharts leaves a gap, "—")
    return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10;
  }

  function point(value, url, extra) {
    var item = { value: value };
    if (url) {
      item.url = url;
    }
    if (extra) {
      Object.keys(extra).forEach(function (key) {
        item[key] = extra[key];
      });
    }
    return item;
  }

  function rateTooltip(params) {
    var lines = [params[0] ? params[0].axisValueLabel : ""];
    params.forEach(function (p) {
      var value = p.value === null || p.value === undefined ? "—" : p.value;
      if (p.seriesType === "line" && value !== "—") {
        value = value + "%";
      }
      lines.push(p.marker + p.seriesName + "：" + value);
    });
    return lines.join("<br>");
  }

  var percentAxis = {
    type: "value",
    min: 0,
    max: 100,
    axisLabel: { formatter: "{value}%" },
    splitLine: { show: false },
  };

  function draw(el, option, hasData) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    if (!hasData) {
      option = {
        title: {
          text: L.noData,
          left: "center",
          top: "middle",
          textStyle: { color: "#6c757d", fontSize: 16, fontWeight: "normal" },
        },
      };
      el.dataset.empty = "1";
    } else {
      option.color = option.color || PALETTE;
      option.animation = false;
    }
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) {
        window.location.assign(url);
      }
    });
    el.dataset.ready = "1";
    charts.push(chart);
    return chart;
  }

  function sum(values) {
    return values.reduce(function (a, b) {
      return a + (b || 0);
    }, 0);
  }

  function bars(items, name, opts) {
    // one bar per item ({label, count, url}), category axis
    opts = opts || {};
    var horizontal = Boolean(opts.horizontal);
    var categories = { type: "category", data: items.map(function (i) { return i.label; }), axisLabel: { interval: 0, hideOverlap: true } };
    var values = { type: "value", minInterval: 1 };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: horizontal ? 120 : 40, right: 20, top: 20, bottom: horizontal ? 20 : 50, containLabel: !horizontal },
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? Object.assign({}, categories, { inverse: true }) : values,
      series: [
        {
          type: "bar",
          name: name,
          data: items.map(function (i) { return point(i.count, i.url); }),
          label: { show: true, position: horizontal ? "right" : "top" },
          colorBy: opts.colorBy || "series",
        },
      ],
    };
  }

  function pie(items) {
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0, type: "scroll" },
      series: [
        {
          type: "pie",
          radius: ["35%", "65%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}（{d}%）" },
          data: items
            .filter(function (i) { return i.count > 0; })
            .map(function (i) { return point(i.count, i.url, { name: i.label }); }),
        },
      ],
    };
  }

  function pareto(figure) {
    var items = figure.items;
    return {
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: rateTooltip,
      },
      legend: { bottom: 0 },
      grid: { left: 40, right: 50, top: 30, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: items.map(function (i) { return i.label; }), axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: [{ type: "value", name: L.count, minInterval: 1 }, Object.assign({ name: L.cumulative }, percentAxis)],
      series: [
        {
          type: "bar",
          name: L.count,
          data: items.map(function (i) { return point(i.count, i.url); }),
          label: { show: true, position: "top" },
        },
        {
          type: "line",
          name: L.cumulative,
          yAxisIndex: 1,
          symbolSize: 8,
          data: items.map(function (i) { return point(pctValue(i.cumulative_share), i.url); }),
          label: { show: true, formatter: "{c}%", position: "top" },
        },
      ],
    };
  }

  function clocks(list, nameOf) {
    // stacked met / missed / overdue per clock (or per agent), with the on-time rate on a second axis
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: rateTooltip },
      legend: { bottom: 0 },
      grid: { left: 40, right: 50, top: 30, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: list.map(nameOf), axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: [{ type: "value", minInterval: 1 }, percentAxis],
      series: [
        ["met", L.met, "#198754"],
        ["missed", L.missed, "#6f1d1b"],
        ["overdue", L.overdue, "#dc3545"],
      ]
        .map(function (s) {
          return {
            type: "bar",
            stack: "clocks",
            name: s[1],
            color: s[2],
            data: list.map(function (c) { return point(c[s[0]], c.urls && c.urls[s[0]]); }),
          };
        })
        .concat([
          {
            type: "line",
            name: L.rate,
            yAxisIndex: 1,
            color: "#0d6efd",
            data: list.map(function (c) { return point(pctValue(c.rate), c.urls && c.urls.total); }),
          },
        ]),
    };
  }

  var RENDER = {
    volume_per_day: function (el) {
      var f = D.volume_per_day;
      var option = {
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 20, top: 20, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: f.days.map(function (d) { return d.date.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        dataZoom: f.days.length > 62 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 4 }] : [],
        series: [{ type: "bar", name: L.feedback, data: f.days.map(function (d) { return point(d.count, d.url); }) }],
      };
      draw(el, option, f.total > 0);
    },
    volume_trend_12m: function (el) {
      var months = D.volume_trend_12m.months;
      var option = bars(
        months.map(function (m) { return { label: m.label, count: m.count, url: m.url }; }),
        L.feedback
      );
      option.series.push({
        type: "line",
        name: L.feedback,
        data: months.map(function (m) { return point(m.count, m.url); }),
        symbolSize: 6,
      });
      draw(el, option, sum(months.map(function (m) { return m.count; })) > 0);
    },
    category_share: function (el) {
      draw(el, pie(D.category_share.items), D.category_share.total > 0);
    },
    severity_mix: function (el) {
      var option = bars(D.severity_mix.items, L.feedback, { colorBy: "data" });
      option.color = ["#0dcaf0", "#ffc107", "#dc3545", "#6c757d"];
      draw(el, option, D.severity_mix.total > 0);
    },
    channel_mix: function (el) {
      draw(el, bars(D.channel_mix.items, L.feedback, { horizontal: true, colorBy: "data" }), D.channel_mix.total > 0);
    },
    top_faults: function (el) {
      draw(el, pareto(D.top_faults), D.top_faults.total > 0);
    },
    top_models: function (el) {
      draw(el, pareto(D.top_models), D.top_models.total > 0);
    },
    sla_compliance: function (el) {
      var list = D.sla_compliance.clocks;
      draw(el, clocks(list, function (c) { return c.label; }), D.sla_compliance.overall.total > 0);
    },
    registration_timeliness: function (el) {
      var f = D.registration_timeliness;
      var list = f.agents.map(function (a) {
        return { name: a.name, met: a.on_time, missed: a.late, overdue: 0, rate: a.rate,
                 urls: { met: a.urls && a.urls.on_time, missed: a.urls && a.urls.late, total: a.urls && a.urls.total } };
      });
      var option = clocks(list, function (a) { return a.name; });
      option.series[0].name = L.onTime;
      option.series[1].name = L.late;
      option.series.splice(2, 1); // a registration is on time or late: nothing "overdue" among completed ones
      option.series[2].name = L.timeliness;
      draw(el, option, f.team.total > 0);
    },
    department_efficiency: function (el) {
      var depts = D.department_efficiency.departments;
      var kinds = depts.length ? depts[0].clocks : [];
      var series = kinds.map(function (kind, index) {
        return {
          type: "bar",
          name: kind.label + " " + L.rate,
          data: depts.map(function (d) {
            var c = d.clocks[index];
            return point(pctValue(c.rate), c.urls && c.urls.total);
          }),
        };
      });
      series.push({ type: "bar", name: L.completionRate, data: depts.map(function (d) { return point(pctValue(d.completion_rate)); }) });
      series.push({ type: "bar", name: L.delayRate, data: depts.map(function (d) { return point(pctValue(d.delay_rate)); }) });
      var hasData = depts.some(function (d) {
        return d.measures_total > 0 || d.capa_forms > 0 || d.clocks.some(function (c) { return c.total > 0; });
      });
      draw(
        el,
        {
          tooltip: {
            trigger: "axis",
            axisPointer: { type: "shadow" },
            valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; },
          },
          legend: { bottom: 0 },
          grid: { left: 40, right: 20, top: 20, bottom: 50, containLabel: true },
          xAxis: { type: "category", data: depts.map(function (d) { return d.name; }), axisLabel: { interval: 0 } },
          yAxis: percentAxis,
          series: series,
        },
        hasData
      );
    },
    satisfaction: function (el) {
      var option = pie(D.satisfaction.items);
      option.color = ["#198754", "#20c997", "#dc3545", "#adb5bd"];
      draw(el, option, D.satisfaction.total > 0);
    },
    satisfaction_trend_12m: function (el) {
      var months = D.satisfaction_trend_12m.months;
      var series = [
        ["satisfied", L.satisfied, "#198754"],
        ["basic", L.basic, "#20c997"],
        ["unsatisfied", L.unsatisfied, "#dc3545"],
        ["unreachable", L.unreachable, "#adb5bd"],
      ].map(function (s) {
        return {
          type: "bar",
          stack: "callbacks",
          name: s[1],
          color: s[2],
          data: months.map(function (m) { return point(m[s[0]], m.url); }),
        };
      });
      series.push({
        type: "line",
        name: L.satisfactionRate,
        yAxisIndex: 1,
        color: "#0d6efd",
        connectNulls: false,
        data: months.map(function (m) { return point(pctValue(m.rate), m.url); }),
      });
      draw(
        el,
        {
          tooltip: { trigger: "axis", formatter: rateTooltip },
          legend: { bottom: 0 },
          grid: { left: 40, right: 50, top: 30, bottom: 60, containLabel: true },
          xAxis: { type: "category", data: months.map(function (m) { return m.label; }) },
          yAxis: [{ type: "value", minInterval: 1 }, percentAxis],
          series: series,
        },
        sum(months.map(function (m) { return m.total; })) > 0
      );
    },
    capa_first_time_effectiveness: function (el) {
      var f = D.capa_first_time_effectiveness;
      var option = pie([
        { label: L.firstTime, count: f.first_time, url: null },
        { label: L.notFirstTime, count: f.effective - f.first_time, url: null },
      ]);
      option.color = ["#198754", "#ffc107"];
      option.series[0].label = { formatter: "{c}" };
      option.title = { text: pct(f.rate), left: "center", top: "38%", textStyle: { fontSize: 18 } };
      draw(el, option, f.effective > 0);
    },
    backlog: function (el) {
      var f = D.backlog;
      var stages = f.stages;
      var series = f.severities.map(function (sev, index) {
        return {
          type: "bar",
          stack: "backlog",
          name: sev.label,
          data: stages.map(function (st) { return point(st.cells[index].count, st.cells[index].url); }),
        };
      });
      var option = {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0 },
        color: ["#0dcaf0", "#ffc107", "#dc3545", "#6c757d"],
        grid: { left: 40, right: 20, top: 20, bottom: 50, containLabel: true },
        xAxis: { type: "category", data: stages.map(function (s) { return s.label; }), axisLabel: { interval: 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: series,
      };
      draw(el, option, f.total > 0);
    },
    overdue: function (el) {
      var rows = D.backlog.overdue.map(function (r) { return { label: r.label, count: r.count, url: r.url }; });
      var option = bars(rows, L.overdue, { horizontal: true });
      option.color = ["#dc3545"];
      draw(el, option, sum(rows.map(function (r) { return r.count; })) > 0);
    },
  };

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var render = RENDER[el.dataset.chart];
    if (render) {
      render(el);
    }
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
