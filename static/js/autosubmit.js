// A select marked data-autosubmit sends its form when it changes (the language switch). In a file, not an
// onchange attribute: the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
