// The review UI's keyboard. The queue: j/k move between drafts. The draft page: j/k move between changes,
// a/r choose accept/reject, e edits, ? opens the legend. Each choice and comment is saved on the server as it is
// made (app/ui/choices.py), so a reload or another browser shows it again; only the form's Submit applies them.
// The pages work without it.
(function () {
  "use strict";
  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function ignored(event) {
    return event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target);
  }

  // The queue: j/k move between the drafts' links; Enter opens the focused one (the browser's own).
  var links = Array.prototype.slice.call(document.querySelectorAll("a[data-review]"));
  var form = document.getElementById("decisions");
  if (!form) {
    document.addEventListener("keydown", function (event) {
      if (ignored(event) || !links.length || (event.key !== "j" && event.key !== "k")) return;
      event.preventDefault();
      var at = links.indexOf(document.activeElement);
      var to = at < 0 ? (event.key === "j" ? 0 : links.length - 1) : at + (event.key === "j" ? 1 : -1);
      links[Math.max(0, Math.min(links.length - 1, to))].focus();
    });
    return;
  }
  var cards = Array.prototype.slice.call(document.querySelectorAll("section.change[data-change]"));
  var progress = document.getElementById("progress");
  var chosen = document.getElementById("chosen");
  var announce = document.getElementById("announce");
  var legend = document.getElementById("legend");
  var legendOpen = document.getElementById("legend-open");
  var submit = document.getElementById("submit-decisions");
  var pageError = document.getElementById("page-error");
  var choicesUrl = form.getAttribute("data-choices");
  var csrf = form.querySelector("input[name=csrf_token]");
  var current = -1;
  var timers = new Map();
  var chains = new Map();

  function choice(card) {
    var checked = card.querySelector("input[type=radio]:checked");
    return checked ? checked.value : null;
  }

  function open(card) {
    return !!card.querySelector("input[type=radio]") && !card.classList.contains("decided");
  }

  function title(card) {
    var h = card.querySelector(".card-title");
    return h ? h.textContent : "";
  }

  function say(text) {
    if (!announce) return;
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 30);
  }

  function updateProgress() {
    if (!progress || !chosen) return;
    var n = cards.filter(function (c) { return open(c) && choice(c); }).length;
    var left = cards.filter(function (c) { return open(c) && !choice(c); }).length;
    chosen.textContent = n ? " · " + n + " chosen and saved, not applied yet" + (left ? " · " + left + " to go" : " · press Submit") : "";
    return n;
  }

  function refused(text) {
    if (!pageError) return;
    pageError.innerHTML = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    pageError.appendChild(p);
  }

  // Keep the card's choice and comment on the server (a POST with the page's CSRF token); announce the outcome.
  function save(card) {
    if (!choicesUrl || !csrf || !open(card)) return;
    window.clearTimeout(timers.get(card));
    timers.delete(card);
    var mark = card.querySelector("[data-saved]");
    if (mark) mark.textContent = "saving…";
    // One save at a time per card, each sending the card as it is then: a slow answer never overwrites a newer one.
    var run = function () { return send(card, mark); };
    var chained = (chains.get(card) || Promise.resolve()).then(run, run);
    chains.set(card, chained);
  }

  function send(card, mark) {
    var comment = card.querySelector("textarea");
    var body = new URLSearchParams();
    body.set("csrf_token", csrf.value);
    body.set("change_id", card.getAttribute("data-change"));
    body.set("choice", choice(card) || "");
    body.set("comment", comment ? comment.value : "");
    return fetch(choicesUrl, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            if (mark) mark.textContent = "saved, not applied yet";
            var left = cards.filter(function (c) { return open(c) && !choice(c); }).length;
            say(title(card) + ": " + (data.message || "saved") + ". " +
              (left ? left + " to go." : "Every change has a choice: Submit decisions applies them."));
          } else {
            if (mark) mark.textContent = "not saved";
            refused(title(card) + ": not saved — " + (data.detail || "the server answered " + response.status + "; reload the page") +
              " Your choice is still on this page; Submit sends it.");
          }
        });
      })
      .catch(function () {
        if (mark) mark.textContent = "not saved";
        refused(title(card) + ": not saved — the server could not be reached. Your choice is still on this page; Submit sends it.");
      });
  }

  function saveSoon(card) {
    window.clearTimeout(timers.get(card));
    timers.set(card, window.setTimeout(function () { save(card); }, 600));
  }

  function focusCard(i) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach(function (c, k) { c.classList.toggle("current", k === current); });
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "start", behavior: "auto" });
  }

  function nextUndecided(from) {
    for (var k = from + 1; k < cards.length; k++) {
      if (open(cards[k]) && !choice(cards[k])) return k;
    }
    return -1;
  }

  function decide(value) {
    var card = cards[current];
    if (!card || !open(card)) { say("This change is already decided."); return; }
    var radio = card.querySelector("input[type=radio][value=" + value + "]");
    if (!radio || radio.disabled) { say("It did not verify: it can be rejected or edited, not accepted."); return; }
    radio.checked = true;
    save(card);
    var n = updateProgress();
    var next = nextUndecided(current);
    if (next >= 0) {
      say(title(card) + ": " + value + " chosen. " + n + " chosen.");
      focusCard(next);
    } else if (submit) {
      say(title(card) + ": " + value + " chosen. Every change has a choice: press Enter to submit.");
      cards[current].classList.remove("current");
      submit.focus();
    }
  }

  function showLegend() {
    if (legend && !legend.open) legend.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (ignored(event) || (legend && legend.open)) return;
    var key = event.key;
    if (key === "?") { event.preventDefault(); showLegend(); return; }
    if (key === "j" || key === "k") {
      event.preventDefault();
      if (current < 0) {
        var first = nextUndecided(-1);
        focusCard(key === "j" ? (first >= 0 ? first : 0) : cards.length - 1);
      } else {
        focusCard(current + (key === "j" ? 1 : -1));
      }
      return;
    }
    if (current < 0) return;
    if (key === "a") { event.preventDefault(); decide("accept"); }
    else if (key === "r") { event.preventDefault(); decide("reject"); }
    else if (key === "e") {
      var edit = cards[current].querySelector("a[data-edit]");
      if (edit) { event.preventDefault(); window.location.assign(edit.href); }
      else { say("This change cannot be edited here."); }
    }
  });

  // A click or Tab into a card makes it the one the keys act on.
  cards.forEach(function (card, i) {
    card.addEventListener("focusin", function () {
      current = i;
      cards.forEach(function (c, k) { c.classList.toggle("current", k === i); });
    });
  });
  form.addEventListener("change", function (event) {
    updateProgress();
    var card = event.target.closest ? event.target.closest("section.change[data-change]") : null;
    if (card) save(card);  // a radio picked, or a comment left
  });
  form.addEventListener("input", function (event) {
    var card = event.target.tagName === "TEXTAREA" ? event.target.closest("section.change[data-change]") : null;
    if (card) saveSoon(card);  // a comment being typed: saved once the typing pauses
  });

  if (legend) {
    if (legendOpen) {
      legendOpen.hidden = false;
      legendOpen.addEventListener("click", showLegend);
    }
    var close = document.getElementById("legend-close");
    if (close) close.addEventListener("click", function () { legend.close(); });
    legend.addEventListener("close", function () {
      if (current >= 0) cards[current].focus({ preventScroll: true });
    });
  }
  updateProgress();
  // After a submit that decided the whole draft, Enter goes back to the queue.
  var nextStep = document.getElementById("next-step");
  if (nextStep) nextStep.focus();
})();
