/* Data entry: Enter moves to the next input, unsaved changes are flagged, Excel uploads show progress. */
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
        var row = input.closest("tr");
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
