// The paper-entry form: the field to type in next (marked autofocus by the page) gets its whole text
// selected, so the clerk's next keystrokes replace it instead of joining it ("302301").
// A file, not an inline script: the pages' Content-Security-Policy allows scripts from the site only.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.querySelector("input[autofocus]");
  if (field) { field.focus(); field.select(); }
});
