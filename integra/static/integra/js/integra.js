// Integra's own behaviour for every page. The Content-Security-Policy allows scripts only from
// our static files, so pages declare behaviour with data- attributes and this file binds it.
(function () {
  "use strict";
  function bind() {
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
