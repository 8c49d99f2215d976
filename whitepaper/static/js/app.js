// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions: forms marked .confirm carry their question in data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    }
  });
})();
