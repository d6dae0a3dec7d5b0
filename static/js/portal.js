/* Every page: the small behaviours the strict Content-Security-Policy keeps out of the templates
   (no inline handlers or style attributes). Templates state intent in data attributes:
   - data-css-PROPERTY="value": an inline style set through the CSSOM (allowed by the policy), e.g.
     data-css-width="42%" for a progress bar, data-css---bars="12" for a custom property;
   - data-autosubmit on a select: submit its form on change (the language switch);
   - data-print on a button: print the page;
   - data-action-from="INPUT_ID" data-action-template="../{}/" on a form: its action follows an input;
   - the header's menu button folds the menu on narrow screens. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("*").forEach(function (el) {
    for (var i = 0; i < el.attributes.length; i++) {
      var a = el.attributes[i];
      if (a.name.indexOf("data-css-") === 0) el.style.setProperty(a.name.slice(9), a.value);
    }
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("form[data-action-from]").forEach(function (form) {
    var input = document.getElementById(form.getAttribute("data-action-from"));
    var template = form.getAttribute("data-action-template");
    if (!input || !template) return;
    input.addEventListener("change", function () { form.action = template.replace("{}", encodeURIComponent(input.value)); });
  });

  var toggle = document.getElementById("menu-toggle");
  var header = toggle && toggle.closest(".site-header");
  if (toggle && header) {
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
})();

/* Our messages instead of the browser's validation bubbles (which speak the browser's language, not the
   page's): every form is novalidate; an empty required field gets the message of its data-required-message
   (or the page's general one) under it, and the first such field takes the focus. The server checks again. */
(function () {
  "use strict";
  var general = document.body.getAttribute("data-msg-required") || "";
  function messageFor(field) {
    var id = field.id ? field.id + "-required" : "";
    var p = id && document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      if (id) p.id = id;
      field.insertAdjacentElement("afterend", p);
    }
    return p;
  }
  document.querySelectorAll("form").forEach(function (form) {
    form.noValidate = true;
    form.addEventListener("submit", function (ev) {
      var first = null;
      form.querySelectorAll("[required]").forEach(function (field) {
        var empty = field.type === "checkbox" ? !field.checked : !String(field.value || "").trim();
        var p = field.id ? document.getElementById(field.id + "-required") : null;
        if (empty) {
          p = messageFor(field);
          p.textContent = field.getAttribute("data-required-message") || general;
          p.setAttribute("role", "alert");
          field.setAttribute("aria-invalid", "true");
          if (p.id) field.setAttribute("aria-describedby", p.id);
          first = first || field;
        } else if (p) {
          p.remove();
          field.removeAttribute("aria-invalid");
        }
      });
      if (first) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        first.focus();
      }
    });
  });
})();
