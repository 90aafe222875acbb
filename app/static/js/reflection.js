// Autosave for the private reflection (個人ワーク). Without JavaScript the "保存する"
// button does the same; this only saves a few seconds after the trainee stops typing.
(function () {
  "use strict";
  var form = document.querySelector("form.reflection-editor");
  if (!form) return;
  var area = form.querySelector("textarea");
  var status = form.querySelector(".autosave-status");
  var timer = null, lastSaved = area.value;

  function save() {
    if (area.value === lastSaved) return;
    var sent = area.value;
    status.textContent = "保存しています…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (res.ok && res.body.saved) {
        lastSaved = sent;
        status.textContent = "自動で保存しました";
      } else {
        status.textContent = (res.body.errors || ["保存できませんでした。"]).join(" ");
      }
    }).catch(function () {
      status.textContent = "保存できませんでした。「保存する」を押してください。";
    });
  }

  area.addEventListener("input", function () {
    clearTimeout(timer);
    status.textContent = "";
    timer = setTimeout(save, 2500);
  });
  area.addEventListener("blur", function () { clearTimeout(timer); save(); });
})();
