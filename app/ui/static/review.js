// The review UI's keyboard. The queue: j/k move between drafts. The draft page: j/k move between changes,
// a/r choose accept/reject, e edits, ? opens the legend. The pages work without it; nothing here sends
// anything: the form's own Submit does.
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
  var current = -1;

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
    chosen.textContent = n ? " · " + n + " chosen, not sent yet" + (left ? " · " + left + " to go" : " · press Submit") : "";
    return n;
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
  form.addEventListener("change", updateProgress);

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
})();
