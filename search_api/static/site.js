// Small helps that need no server: "Back to the results" returns to the visitor's last search
// (kept in this tab's sessionStorage only, never sent anywhere).
(function () {
  "use strict";
  var KEY = "katdir.lastSearch";
  try {
    if (document.querySelector("ol.results, .empty, .choices") && location.search) {
      sessionStorage.setItem(KEY, location.pathname + location.search);
    }
    var back = document.querySelector("[data-back-to-results]");
    var last = sessionStorage.getItem(KEY);
    if (back && last && last.charAt(0) === "/" && last.charAt(1) !== "/") {
      back.setAttribute("href", last);
    } else if (back) {
      back.textContent = "← Search for clinics";
    }
  } catch (e) { /* storage off: the link goes to the search page */ }
})();
