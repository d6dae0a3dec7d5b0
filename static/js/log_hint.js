/* The entry form's activity-log hints: "Dùng số này" copies the log's figure into the cell's input. */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("button.use-log") : null;
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-target"));
    if (!input) return;
    input.value = button.getAttribute("data-value");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
})();
