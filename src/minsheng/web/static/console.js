/* minsheng console: CSRF for htmx, live countdowns, live updates over SSE, fast-track alerts, keys. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var serverNow = (document.querySelector('meta[name="server-now"]') || {}).content;
  var skew = serverNow ? Date.parse(serverNow) - Date.now() : 0; // server time minus browser time
  function now() { return Date.now() + skew; }

  // htmx: send the CSRF token; show every 4xx message (the server retargets them to #flash), so a
  // refused file (413, 415) is not silently dropped under an earlier success message.
  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRF-Token"] = csrf; });
  htmx.config.responseHandling = [
    {code: "204", swap: false}, {code: "[23]..", swap: true},
    {code: "4..", swap: true, error: false}, {code: "...", swap: false, error: true}
  ];
  // an action's answer replaces the last action's message (live refreshes and suggestions leave it)
  document.addEventListener("htmx:beforeRequest", function (e) {
    var flash = document.getElementById("flash"), config = e.detail.requestConfig || {};
    if (flash && config.verb === "post" && config.path !== "/intake/suggest") flash.innerHTML = "";
  });

  // ---- time: header clock and countdowns -------------------------------------------------
  var fmt = new Intl.DateTimeFormat("zh-CN", {timeZone: "Asia/Shanghai", hour12: false,
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d) return d + "天" + h + "小时";
    if (h) return h + "小时" + String(m).padStart(2, "0") + "分";
    if (m) return m + "分" + String(sec).padStart(2, "0") + "秒";
    return sec + "秒";
  }
  function tick() {
    var clock = document.getElementById("now");
    if (clock) clock.textContent = fmt.format(new Date(now()));
    var t = now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var state = el.dataset.state;
      if (state === "paused" || el.dataset.ticking === "false") return; // a working-hours clock stands still at night
      var due = Date.parse(el.dataset.due), warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
      // counted time left (exact for working-hours clocks), else the wall time to the deadline
      var left = el.dataset.remaining !== undefined && el.dataset.at
        ? Number(el.dataset.remaining) * 1000 - (t - Date.parse(el.dataset.at)) : due - t;
      var cls = "ok";
      if (left <= 0) cls = "overdue";
      else if ((warn !== null && t >= warn) || state === "warning") cls = "warning";
      el.classList.remove("ok", "warning", "overdue");
      el.classList.add(cls);
      var out = el.querySelector(".left");
      if (out) out.textContent = (left <= 0 ? "超 " : "") + span(left);
    });
  }
  setInterval(tick, 1000);
  function markCollapsible() {
    document.querySelectorAll("form[hidden]").forEach(function (f) { f.dataset.collapsible = "1"; });
  }
  document.addEventListener("DOMContentLoaded", markCollapsible);
  document.addEventListener("htmx:afterSettle", markCollapsible);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);

  // ---- sound and toasts for fast-track cases ------------------------------------------------
  function playAlert() {
    var audio = document.getElementById("alert-sound");
    if (!audio) return;
    audio.currentTime = 0;
    var p = audio.play();
    if (p && p.catch) p.catch(function () { showUnmute(); });
  }
  function showUnmute() {
    if (document.getElementById("unmute")) return;
    var b = document.createElement("button");
    b.id = "unmute"; b.className = "unmute"; b.textContent = "🔔 点击开启提示音";
    b.onclick = function () { var a = document.getElementById("alert-sound"); a.muted = false; a.play(); b.remove(); };
    document.body.appendChild(b);
  }
  function toast(update) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var a = document.createElement("a");
    a.className = "toast fast"; a.href = "/cases/" + update.id; a.setAttribute("role", "alert");
    a.innerHTML = "<b>民声一键办 · 快速处置</b><span></span>";
    a.querySelector("span").textContent = update.title || update.number;
    box.append(a);
    setTimeout(function () { a.classList.add("fade"); }, 12000);
    setTimeout(function () { a.remove(); }, 13000);
    var title = document.title, n = 0;
    var blink = setInterval(function () {
      document.title = (n++ % 2 ? title : "【新快速件】" + title);
      if (n > 10) { clearInterval(blink); document.title = title; }
    }, 700);
  }

  // ---- live updates ----------------------------------------------------------------------
  // Someone is typing into (or focused on) this element: a live update must not wipe it.
  function busy(el) {
    if (!el) return false;
    // focus counts where the user enters something; a button keeps focus after a click without being in use
    var active = document.activeElement;
    if (active && el.contains(active) && active.matches("textarea, input, select")) return true;
    return Array.prototype.some.call(el.querySelectorAll("textarea, input[type=text], input:not([type]), input[type=file]"),
      function (f) { return f.value && f.value.length > 0; });
  }
  // a form the user opened (hidden when the page was drawn) or is typing into: do not pull it away
  function formOpen(main) {
    return Array.prototype.some.call(main.querySelectorAll("form"), function (f) {
      return !f.hidden && (f.dataset.collapsible === "1" || busy(f));
    });
  }
  function deferNotice() {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<div class="flash">案件有新动态，完成当前操作后将显示最新状态</div>';
  }
  // A live refresh already on its way when the user starts typing must not land on the form either.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var headers = (e.detail.requestConfig || {}).headers || {};
    var main = document.getElementById("case-main");
    if (headers["X-Live-Refresh"] && main && formOpen(main)) {
      e.detail.shouldSwap = false;
      deferNotice();
    }
  });
  function placeRow(update, containerPrefix) {
    var old = document.getElementById("case-" + update.id);
    if (old && busy(old) && !update.removed) return;
    if (old) old.remove();
    if (update.removed || !update.column || !update.html) return;
    var list = document.getElementById(containerPrefix + update.column);
    if (!list) return;
    var board = document.getElementById("queue");
    if (board) {
      var track = board.dataset.filterTrack, town = board.dataset.filterTown;
      var probe = document.createElement("div");
      probe.innerHTML = update.html;
      var row = probe.firstElementChild;
      if (track && !row.classList.contains("track-" + track)) return;
      if (town && update.town && update.town !== town) return;
    }
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    // the overdue column keeps the longest overdue first: a case that has just become overdue goes last
    var last = list.dataset.order === "oldest";
    list.insertAdjacentHTML(last ? "beforeend" : "afterbegin", update.html);
    htmx.process(last ? list.lastElementChild : list.firstElementChild);
    tick();
  }
  function onUpdate(update) {
    var page = document.body.dataset.live;
    if (page === "queue") {
      placeRow(update, "col-");
      var board = document.getElementById("queue");
      if (update.counts && board && !board.dataset.filterTown && !board.dataset.filterTrack) {
        Object.keys(update.counts).forEach(function (k) {
          var c = document.querySelector('[data-count="' + k + '"]');
          if (c) c.textContent = update.counts[k];
        });
      }
    } else if (page === "tasks") {
      placeRow(update, "");
    } else if (page === "case") {
      var main = document.getElementById("case-main");
      if (main && String(update.id) === main.dataset.caseId) {
        if (formOpen(main)) {
          deferNotice();
        } else {
          htmx.ajax("GET", location.pathname, {target: "#case-main", select: "#case-main", swap: "outerHTML",
                                               headers: {"X-Live-Refresh": "1"}});
        }
      }
    }
    if (update.announce) { toast(update); playAlert(); }
  }
  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    if (!e.target || e.target.id !== "live") return;
    e.preventDefault();
    try { onUpdate(JSON.parse(e.detail.data)); } catch (err) { console.error(err); }
  });
  var hadError = false;
  document.addEventListener("htmx:sseOpen", function () {
    var dot = document.getElementById("live-dot");
    if (dot) { dot.className = "dot on"; dot.title = "实时连接正常"; }
    if (hadError) { // messages may have been missed while disconnected: reload the live region
      hadError = false;
      var region = document.querySelector("[data-resync]");
      if (region) htmx.ajax("GET", location.href, {target: "#" + region.id, select: "#" + region.id, swap: "outerHTML"});
    }
  });
  document.addEventListener("htmx:sseError", function () {
    hadError = true;
    var dot = document.getElementById("live-dot");
    if (dot) { dot.className = "dot off"; dot.title = "实时连接中断，正在重连…"; }
  });

  // ---- keyboard: j/k between rows, Enter opens, / finds --------------------------------------
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll(".rows .row, .kbd-row"));
    var i = rows.indexOf(document.activeElement);
    if (e.key === "j" || e.key === "k") {
      if (!rows.length) return;
      var next = e.key === "j" ? Math.min(i + 1, rows.length - 1) : Math.max(i - 1, 0);
      rows[next].focus(); e.preventDefault();
    } else if (e.key === "/") {
      var s = document.querySelector("#queue-search, [data-search]");
      if (s) { s.focus(); e.preventDefault(); }
    }
  });
})();
