// Short steps: a lesson on a narrow screen, and a children's quiz, shown one part at a time.
// Progressive enhancement: without JavaScript (or in print) everything shows at once, and the
// quiz is still one form, so answers are kept when going back and sent together at the end.
(function () {
  "use strict";

  // A pager ("もどる" / "3 / 7" / "つぎへ") that shows steps[i] and hides the others.
  // `words` carries the words in data-* attributes so they go through the translation catalogue;
  // `root` gets steps-on / steps-at-end so the stylesheet can hide what waits for the last step.
  function stepper(root, words, steps, start) {
    var current = 0;
    var nav = document.createElement("nav");
    nav.className = "step-pager no-print";
    nav.setAttribute("aria-label", words.dataset.stepsLabel || "");
    var back = document.createElement("button");
    back.type = "button";
    back.className = "button secondary step-back";
    back.textContent = words.dataset.stepsBack || "もどる";
    var where = document.createElement("p");
    where.className = "step-where";
    where.setAttribute("aria-live", "polite");
    var next = document.createElement("button");
    next.type = "button";
    next.className = "button primary step-next";
    next.textContent = words.dataset.stepsNext || "つぎへ";
    nav.appendChild(back);
    nav.appendChild(where);
    nav.appendChild(next);

    function show(i, moveFocus) {
      current = Math.max(0, Math.min(i, steps.length - 1));
      steps.forEach(function (step, n) { step.classList.toggle("is-current", n === current); });
      back.disabled = current === 0;
      next.hidden = current === steps.length - 1;
      where.textContent = (current + 1) + " / " + steps.length;
      root.classList.toggle("steps-at-end", current === steps.length - 1);
      if (moveFocus) {
        var heading = steps[current].querySelector("h2, h3, legend") ||
          (current === 0 && document.querySelector("h1")) || steps[current];
        if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
        heading.focus();
        heading.scrollIntoView({ block: "start" });
      }
    }
    back.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", function () { show(current + 1, true); });
    root.classList.add("steps-on");
    show(start || 0, false);
    return { nav: nav, stop: function () {
      root.classList.remove("steps-on", "steps-at-end");
      steps.forEach(function (step) { step.classList.remove("is-current"); });
      nav.remove();
    } };
  }

  // --- a lesson: one step per h2 section, or per author's step marker (a line "---" in the lesson's
  // Markdown, an <hr>), on screens up to 600px wide ---
  function lessonSteps(body) {
    var groups = [], group = null;
    Array.prototype.slice.call(body.childNodes).forEach(function (node) {
      // A heading that opens the lesson starts the first step rather than leaving an empty one.
      var filled = group && (group.textContent.trim() || group.querySelector("img, svg, figure, video, form, table"));
      var marker = node.nodeType === 1 && (node.tagName === "H2" || node.tagName === "HR");
      if (!group || (marker && filled)) {
        group = document.createElement("div");
        group.className = "lesson-step";
        groups.push(group);
      }
      group.appendChild(node);
    });
    groups.forEach(function (g) { body.appendChild(g); });
    return groups;
  }

  var body = document.querySelector(".lesson-page .lesson-body");
  if (body && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 600px)");
    var page = document.querySelector(".lesson-page");
    var steps = null, pager = null;
    var toggle = function () {
      if (narrow.matches && !pager) {
        steps = steps || lessonSteps(body);
        if (steps.length < 2) return;
        pager = stepper(page, body, steps, 0);
        body.parentNode.insertBefore(pager.nav, body.nextSibling);
      } else if (!narrow.matches && pager) {
        pager.stop();
        pager = null;
      }
    };
    if (narrow.addEventListener) narrow.addEventListener("change", toggle);
    toggle();
  }

  // --- the children's quiz: one question per screen ---
  var form = document.querySelector(".theme-children form.quiz-form");
  if (form) {
    var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
    if (questions.length > 1) {
      var firstError = questions.findIndex(function (q) { return q.classList.contains("has-error"); });
      var quizPager = stepper(form, form, questions, Math.max(firstError, 0));
      var submit = form.querySelector("button[type=submit]");
      form.insertBefore(quizPager.nav, submit);
    }
  }
})();
