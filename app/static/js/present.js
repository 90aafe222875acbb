// Instructor mode: keyboard and presentation-clicker navigation. Every screen is its own URL
// with next/previous links, so this only maps keys to those links (clickers send PageDown/PageUp
// or the arrow keys).
(function () {
  "use strict";
  function go(rel) {
    var link = document.querySelector('link[rel="' + rel + '"]');
    if (link) window.location.href = link.href;
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA") return;
    switch (event.key) {
      case "ArrowRight": case "PageDown": case " ": case "Enter": case "n":
        if (event.key === "Enter" && tag === "A") return;  // a focused link opens itself
        event.preventDefault(); go("next"); break;
      case "ArrowLeft": case "PageUp": case "Backspace": case "p":
        event.preventDefault(); go("prev"); break;
      default: break;
    }
  });
})();
