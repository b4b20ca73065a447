// Copy buttons on the order and pay pages: <button data-copy="text" data-copied="Copied">.
// A file of its own, not an inline script (the pages' CSP allows scripts from 'self' only).
"use strict";
(function () {
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }

  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    button.classList.add("done");
    setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); },
        function () { fallback(text); copied(button); });
    } else {
      fallback(text);
      copied(button);
    }
  });
})();
