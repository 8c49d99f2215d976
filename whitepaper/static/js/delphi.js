// Systemizing workspace: selecting text inside an answer copies it into that answer's fragment field.
// Without JavaScript the field is typed (or pasted) by hand; the server checks the fragment either way.
(function () {
  "use strict";
  document.addEventListener("mouseup", function (event) {
    var quote = event.target.closest ? event.target.closest(".answer-text") : null;
    if (!quote) { return; }
    var selection = window.getSelection ? String(window.getSelection()).trim() : "";
    if (!selection) { return; }
    var article = quote.closest(".open-answer");
    var fields = article ? article.querySelectorAll("textarea.fragment") : [];
    // the coding form's field, and the one asking for suggested codes (delphi/_suggestions.html)
    for (var i = 0; i < fields.length; i++) { fields[i].value = selection; }
  });
})();
