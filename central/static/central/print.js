// The poster's print button (a file, not an inline script: the pages' Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
