// Keyboard shortcuts for curators: triage a page of the queue without the mouse.
// Queue: j/k move, Enter or o opens. Review page: a approve, r reject, c needs changes,
// n next, q queue. Keys typed into a field are left alone.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table[data-keys=queue] tbody tr[data-href]"));
  var at = -1;
  function select(i) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove("selected");
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({block: "nearest"});
  }
  if (rows.length) select(0);
  var form = document.getElementById("review-form");
  var status = document.getElementById("review-status-input");
  var note = document.getElementById("review-note");
  function decide(value, needsNote) {
    status.value = value;
    if (needsNote && !note.value.trim()) { note.focus(); return; }
    form.submit();
  }
  if (note) {
    note.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.submit(); }
    });
  }
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (rows.length) {
      if (e.key === "j") { select(at + 1); e.preventDefault(); }
      else if (e.key === "k") { select(at - 1); e.preventDefault(); }
      else if (e.key === "Enter" || e.key === "o") { window.location = rows[at].dataset.href; e.preventDefault(); }
      return;
    }
    if (!form) return;
    if (e.key === "a") { e.preventDefault(); decide("approved", false); }
    else if (e.key === "r") { e.preventDefault(); decide("rejected", true); }
    else if (e.key === "c") { e.preventDefault(); decide("needs_changes", true); }
    else if (e.key === "n") { var next = document.getElementById("next-link"); if (next) window.location = next.href; }
    else if (e.key === "q") { window.location = document.querySelector(".curator-nav a").href; }
  });
})();
