// Type-ahead for the municipality picker. Without JavaScript the prefecture and
// municipality selects still work (the form reloads with the chosen prefecture).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var picker = document.querySelector(".municipality-picker");
  if (!picker) return;
  var api = picker.getAttribute("data-api");
  var input = document.getElementById("municipality-search");
  var list = document.getElementById("municipality-results");
  var chosen = document.getElementById("municipality-chosen");
  var prefSelect = picker.querySelector("select[name=prefecture]");
  var muniSelect = document.getElementById("municipality_code");
  var timer = null, items = [], active = -1;

  function fillMunicipalities(prefCode, selectCode) {
    return fetch(api + "?prefecture=" + encodeURIComponent(prefCode))
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        var first = muniSelect.options[0];
        muniSelect.innerHTML = "";
        muniSelect.appendChild(first);
        rows.forEach(function (m) {
          var o = document.createElement("option");
          o.value = m.code; o.textContent = m.name;
          if (m.code === selectCode) o.selected = true;
          muniSelect.appendChild(o);
        });
      });
  }

  function choose(m) {
    prefSelect.value = m.prefecture_code;
    fillMunicipalities(m.prefecture_code, m.code);
    input.value = m.prefecture + m.name;
    chosen.textContent = m.prefecture + m.name + " (" + m.code + ")";
    close();
  }

  function close() {
    list.hidden = true; list.innerHTML = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) {
      li.setAttribute("aria-selected", j === i ? "true" : "false");
    });
    if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
  }

  function show(rows) {
    list.innerHTML = ""; items = rows; active = -1;
    rows.forEach(function (m, i) {
      var li = document.createElement("li");
      li.id = "municipality-option-" + i;
      li.setAttribute("role", "option");
      li.textContent = m.prefecture + " " + m.name + "（" + m.kana + "）";
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(m); });
      list.appendChild(li);
    });
    list.hidden = rows.length === 0;
    input.setAttribute("aria-expanded", rows.length ? "true" : "false");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (!q) { close(); return; }
    timer = setTimeout(function () {
      fetch(api + "?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(show);
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter") { if (active >= 0) { e.preventDefault(); choose(items[active]); } }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  prefSelect.addEventListener("change", function () {
    if (prefSelect.value) fillMunicipalities(prefSelect.value, "");
  });
})();
