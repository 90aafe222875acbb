// "全員を選ぶ" on the attendance checklist. Without JavaScript the "全員の出席を記録する"
// button does the same on the server.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var all = document.querySelector("[data-select-all]");
  if (!all) return;
  var boxes = document.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]');
  function sync() {
    var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    all.checked = checked === boxes.length && boxes.length > 0;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener("change", function () {
    Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
  });
  Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", sync); });
  sync();
})();
