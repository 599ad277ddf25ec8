/* Dashboard charts (ECharts, served from the package). Data comes from #dash-data. */
(function () {
  "use strict";
  var el = document.getElementById("dash-data");
  if (!el || !window.echarts) return;
  var d = JSON.parse(el.textContent);
  var channelNames = {"12345": "12345热线", "110": "110转办", "app": "网格App", "web": "网站", "open311": "Open311", "walk_in": "来访"};
  var grid = {left: 48, right: 16, top: 30, bottom: 40};
  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var c = echarts.init(node, null, {renderer: "canvas"});
    c.setOption(Object.assign({animation: false, textStyle: {fontFamily: "inherit"}}, option));
    window.addEventListener("resize", function () { c.resize(); });
  }
  chart("chart-trend", {
    tooltip: {trigger: "axis"}, legend: {data: ["受理", "办结"], top: 0}, grid: grid,
    xAxis: {type: "category", data: d.trend.map(function (r) { return r[0].slice(5); })},
    yAxis: {type: "value", minInterval: 1},
    series: [{name: "受理", type: "line", smooth: true, data: d.trend.map(function (r) { return r[1]; })},
             {name: "办结", type: "line", smooth: true, data: d.trend.map(function (r) { return r[2]; })}]
  });
  chart("chart-channels", {
    tooltip: {trigger: "item", formatter: "{b}：{c} 件（{d}%）"},
    series: [{type: "pie", radius: ["35%", "65%"], data: Object.keys(d.channels).map(function (k) {
      return {name: channelNames[k] || k, value: d.channels[k]}; })}]
  });
  chart("chart-categories", {
    tooltip: {trigger: "axis"}, grid: {left: 130, right: 20, top: 10, bottom: 20},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", inverse: true, data: d.categories.map(function (r) { return r[0]; })},
    series: [{type: "bar", data: d.categories.map(function (r) { return r[1]; }), itemStyle: {color: "#1f5fbf"}}]
  });
  var towns = Object.keys(d.towns).sort(function (a, b) { return d.towns[b] - d.towns[a]; });
  chart("chart-towns", {
    tooltip: {trigger: "axis"}, grid: grid,
    xAxis: {type: "category", data: towns, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", data: towns.map(function (t) { return d.towns[t]; }), itemStyle: {color: "#b3261e"}}]
  });
})();
