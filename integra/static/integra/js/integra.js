// Integra's own behaviour for every page. The Content-Security-Policy allows scripts only from
// our static files, so pages declare behaviour with data- attributes and this file binds it.
(function () {
  "use strict";
  // A table wider than the screen scrolls inside its own box instead of widening the page
  // (pages usually wrap their tables in .table-responsive; this covers every other one). A box
  // that does scroll joins the tab order, so it can be scrolled from the keyboard too.
  function wrapWideTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-responsive")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "table-responsive";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
    root.querySelectorAll("main .table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
      }
    });
  }
  function bind() {
    wrapWideTables(document);
    document.body.addEventListener("htmx:load", function (event) {
      wrapWideTables(event.target.parentElement || document);
    });
    // <select data-submit-on-change>: choosing an option submits its form (language, acting
    // membership); each form keeps a <noscript> submit button for browsers without JavaScript.
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          select.form.submit();
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
