// ofsted-mine: a little progressive enhancement. Every page works without it.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var active = document.activeElement;
    if (ev.key === "/" && !typing(active)) {           // "/" jumps to the search box
      var q = document.getElementById("q");
      if (q) { q.focus(); ev.preventDefault(); }
      return;
    }
    var items = Array.prototype.slice.call(document.querySelectorAll("ol.review > li.item"));
    if (!items.length || (typing(active) && active.type !== "radio" && active.type !== "checkbox")) return;
    var current = items.findIndex(function (li) { return li.contains(active); });
    if (ev.key === "j" || ev.key === "k") {            // review: next / previous finding
      var next = ev.key === "j" ? Math.min(items.length - 1, current + 1) : Math.max(0, current - 1);
      var target = items[next].querySelector("input:not([type=hidden]), select, button");
      if (target) { target.focus(); items[next].scrollIntoView({block: "nearest"}); }
      ev.preventDefault();
    } else if (current >= 0 && "cmsn".indexOf(ev.key) >= 0) { // review: choose the polarity
      var radio = items[current].querySelector('input[type=radio][data-key="' + ev.key + '"]');
      if (radio) { radio.checked = true; radio.focus(); ev.preventDefault(); }
    }
  });
  // drag and drop files onto the upload box
  var drop = document.querySelector(".drop");
  var input = document.getElementById("files");
  if (drop && input) {
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; }
    });
  }
})();
