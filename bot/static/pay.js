// The pay page on a phone: open the UPI app as soon as the page has loaded (the button
// stays, should the browser ask first or refuse). Not inline: the CSP allows scripts
// from 'self' only.
"use strict";
window.addEventListener("load", function () {
  var open = document.querySelector("a[data-open-upi]");
  if (!open) return;
  document.documentElement.setAttribute("data-redirected-to", open.href);
  window.location.href = open.href;
});
