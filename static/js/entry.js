/* Data entry: Enter moves to the next input, each cell is checked as the user leaves it, unsaved changes
   are flagged, Excel uploads show progress. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.num, input.note"));
    var dirty = false;
    var note = document.getElementById("dirty-note");
    inputs.forEach(function (input, i) {
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey) {
          ev.preventDefault();
          var next = inputs[i + 1];
          if (next) { next.focus(); next.select(); }
        }
      });
      input.addEventListener("input", function () {
        dirty = true;
        var row = input.closest(".cell-row");
        if (row) row.classList.add("dirty");
        if (note) note.hidden = false;
      });
    });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (ev) {
      if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
    });
  }

  var upload = document.getElementById("upload-form");
  if (upload && window.FormData && window.XMLHttpRequest) {
    upload.addEventListener("submit", function (ev) {
      var file = upload.querySelector("input[type=file]");
      if (!file || !file.files.length) return; // let the server say what is missing
      ev.preventDefault();
      var box = document.getElementById("upload-progress");
      var bar = box.querySelector("progress");
      var text = box.querySelector(".progress-text");
      var button = upload.querySelector("button[type=submit]");
      box.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.round((100 * e.loaded) / e.total);
        bar.value = pct;
        text.textContent = (document.documentElement.lang === "en" ? "Uploading… " : "Đang tải lên… ") + pct + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server checks every row
        text.textContent = document.documentElement.lang === "en" ? "Checking every row…" : "Đang kiểm tra từng dòng…";
      });
      xhr.addEventListener("load", function () {
        // Saved: the server redirected to the form (the XHR followed it, and the page holds the
        // confirmation). Refused: the page lists every error. Either way, show what came back.
        var redirected = xhr.responseURL && xhr.responseURL.split("#")[0] !== upload.action.split("#")[0];
        if (redirected && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", xhr.responseURL);
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        text.textContent = document.documentElement.lang === "en" ? "Upload failed: check the connection." : "Tải lên thất bại: kiểm tra kết nối mạng.";
      });
      xhr.send(new FormData(upload));
    });
  }
})();

/* Each cell checked as the user leaves it, with the rules the server applies (indicators/cells.py): the
   page carries them as JSON (#entry-rules: number format, bounds per value type, the messages), so this
   script only interprets them. The server checks again when the form is saved. */
(function () {
  "use strict";
  var node = document.getElementById("entry-rules");
  var form = document.getElementById("entry-form");
  if (!node || !form) return;
  var R = JSON.parse(node.textContent);
  var M = R.messages;

  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (m, k) { return k in vars ? vars[k] : m; });
  }
  function esc(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  var grouped = "\\d{1,3}(?:" + esc(R.number.group) + "\\d{3})+|\\d{1,3}(?: \\d{3})+";
  var NUMBER = new RegExp("^([+-]?)(\\d+|" + grouped + ")(?:" + esc(R.number.decimal) + "(\\d+))?$");

  // The same reading as cells.parse_typed: {blank}, {unreadable}, or {value, whole, places}.
  function read(text, percent) {
    var raw = String(text || "").trim();
    if (!raw) return { blank: true };
    var s = raw.replace(/\u2212/g, "-").replace(/[\u00a0\u202f]/g, " ");
    if (percent && s.slice(-1) === "%") s = s.slice(0, -1).trim();
    var m = NUMBER.exec(s);
    if (!m) return { unreadable: true, raw: raw };
    var fraction = (m[3] || "").replace(/0+$/, "");
    var value = Number(m[1] + m[2].replace(/\D/g, "") + (fraction ? "." + fraction : ""));
    return { value: value, whole: !fraction, places: fraction.length, raw: raw };
  }

  function checkCell(code) {
    var type = R.indicators[code];
    var rules = R.types[type];
    var field = function (part) { return form.querySelector('[data-code="' + code + '"][data-part="' + part + '"]'); };
    var errors = [];
    if (type === "ratio") {
      var nIn = field("numerator"), dIn = field("denominator");
      var n = read(nIn.value), d = read(dIn.value);
      if (!(n.blank && d.blank)) {
        var bad = false;
        [[n, nIn, "numerator"], [d, dIn, "denominator"]].forEach(function (t) {
          var r = t[0], rule = rules[t[2]];
          if (r.unreadable) { errors.push([t[1], fill(M.unreadable_whole, { v: r.raw })]); bad = true; }
          else if (r.blank || !r.whole || r.value < rule.min) { errors.push([t[1], M[t[2]]]); bad = true; }
        });
        if (!bad && n.value > d.value) errors.push([nIn, fill(M.ratio_order, { a: n.raw, b: d.raw })]);
      }
    } else {
      var input = field("value");
      var v = read(input.value, type === "percent");
      if (v.unreadable) errors.push([input, fill(type === "percent" ? M.unreadable_percent : M.unreadable_whole, { v: v.raw })]);
      else if (!v.blank && type === "count") {
        if (!v.whole || v.value < rules.min) errors.push([input, fill(M.count, { v: v.raw })]);
        else if (v.value >= rules.below) errors.push([input, M.count_big]);
      } else if (!v.blank) {
        if (v.value < rules.min || v.value > rules.max) errors.push([input, fill(M.percent, { v: v.raw })]);
        else if (v.places > rules.places) errors.push([input, M.percent_places]);
      }
    }
    var note = field("note");
    if (note && note.value.trim().length > R.note_max) errors.push([note, R.note_long]);
    show(code, errors);
    return errors.length;
  }

  function show(code, errors) {
    var row = form.querySelector('.cell-row[data-code="' + code + '"]');
    if (!row) return;
    row.querySelectorAll("p.error").forEach(function (p) { p.remove(); });
    row.querySelectorAll("input[aria-invalid]").forEach(function (i) {
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    });
    errors.forEach(function (e, k) {
      var p = document.createElement("p");
      p.className = "error";
      p.id = "err-" + code + "-" + k;
      p.textContent = e[1];
      var box = e[0].closest(".cell-input, .cell-note") || e[0].parentNode;
      box.appendChild(p);
      e[0].setAttribute("aria-invalid", "true");
      e[0].setAttribute("aria-describedby", p.id);
    });
    row.classList.toggle("has-error", errors.length > 0);
  }

  // Leaving a cell by pressing a button (Save): check it only once the press is over, or the message
  // appearing or vanishing would move the button away from under the pointer and lose the click.
  var pressing = false, pending = {};
  form.addEventListener("pointerdown", function (ev) { if (ev.target.closest("button")) pressing = true; });
  document.addEventListener("pointerup", function () {
    if (!pressing) return;
    pressing = false;
    setTimeout(function () { Object.keys(pending).forEach(checkCell); pending = {}; }, 0);
  });
  form.querySelectorAll("input[data-code]").forEach(function (input) {
    input.addEventListener("change", function () {
      var code = input.getAttribute("data-code");
      if (pressing) pending[code] = true;
      else checkCell(code);
    });
  });
})();

