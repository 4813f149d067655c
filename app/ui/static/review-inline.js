// Deciding in place, and copying the brief. The draft page: a whitespace matrix cell's accept/reject mirrors its
// card's radios (the card's are what is sent), and the QBR brief's per-claim form says what is not saved yet. The
// plan page: "Copy for the customer" puts the customer-facing brief on the clipboard as rich text and plain text.
// Every page works without this file; nothing here sends anything.
(function () {
  "use strict";

  function say(region, text) {
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 30);
  }

  // ---------------------------------------------------------------- the whitespace matrix
  var decisions = document.getElementById("decisions");
  var cells = Array.prototype.slice.call(document.querySelectorAll("td[data-cell]"));
  var announce = document.getElementById("announce");

  function cardRadio(id, value) {
    return decisions ? decisions.querySelector("input[type=radio][name='action_" + id + "'][value='" + value + "']") : null;
  }

  function showCell(td, value) {
    var state = td.querySelector("[data-state]");
    td.classList.toggle("chosen-accept", value === "accept");
    td.classList.toggle("chosen-reject", value === "reject");
    if (state && value) state.textContent = "• " + value + " chosen, not applied yet";
    td.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = r.value === value; });
  }

  cells.forEach(function (td) {
    var id = td.getAttribute("data-cell");
    var fieldset = td.querySelector("fieldset.cell-decide");
    if (!fieldset || !cardRadio(id, "reject")) return;
    fieldset.hidden = false;
    td.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var twin = cardRadio(id, radio.value);
        if (!twin || twin.disabled) return;
        twin.checked = true;
        twin.dispatchEvent(new Event("change", { bubbles: true }));  // progress, and anything listening on the form
        showCell(td, radio.value);
        var label = fieldset.querySelector("legend");
        say(announce, (label ? label.textContent.replace("Decision on ", "") : "Cell") + ": " + radio.value + " chosen.");
      });
    });
  });
  if (decisions && cells.length) {
    decisions.addEventListener("change", function (event) {
      var t = event.target;
      if (!t || t.type !== "radio" || !t.name || t.name.indexOf("action_") !== 0 || !t.checked) return;
      var td = document.querySelector("td[data-cell='" + t.name.slice(7) + "']");
      if (td) showCell(td, t.value);
    });
    // The keyboard's a/r (review.js) check a card's radio without a change event: follow them after each key.
    var follow = function () {
      cells.forEach(function (td) {
        var checked = decisions.querySelector("input[type=radio][name='action_" + td.getAttribute("data-cell") + "']:checked");
        var shown = td.querySelector("fieldset.cell-decide input:checked");
        if (checked && (!shown || shown.value !== checked.value)) showCell(td, checked.value);
      });
    };
    follow();
    document.addEventListener("keyup", follow);
  }

  // ---------------------------------------------------------------- the QBR brief, claim by claim
  var claims = document.getElementById("qbr-form");
  if (claims) {
    var claimsAnnounce = document.getElementById("claims-announce");
    var dirty = false;
    var mark = function (li) {
      var checked = li.querySelector("fieldset.claim-decide input:checked");
      li.classList.toggle("dropped", !!checked && checked.value === "drop");
    };
    Array.prototype.slice.call(claims.querySelectorAll("li.claim")).forEach(mark);
    var changed = function (event) {
      dirty = true;
      var li = event.target.closest ? event.target.closest("li.claim") : null;
      if (li) mark(li);
      var dropped = claims.querySelectorAll("li.claim:not(.status-removed) fieldset.claim-decide input[value=drop]:checked").length;
      say(claimsAnnounce, dropped + " " + (dropped === 1 ? "claim" : "claims") + " to drop; not saved yet.");
    };
    claims.addEventListener("change", changed);
    claims.addEventListener("input", function () { dirty = true; });
    claims.addEventListener("submit", function () { dirty = false; });
    // Accepting the brief on its card while claim choices are unsaved would apply the brief without them.
    if (decisions) {
      decisions.addEventListener("submit", function (event) {
        if (!dirty) return;
        event.preventDefault();
        var error = document.getElementById("page-error");
        if (error) error.innerHTML = "";
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = "Your claim choices in the QBR brief are not saved: press “Save claim choices” (or “Save and accept the brief”) first.";
        if (error) error.appendChild(p);
        var save = document.getElementById("save-claims");
        if (save) save.focus();
      });
    }
  }

  // ---------------------------------------------------------------- copy the brief as rich text
  var copy = document.getElementById("copy-brief");
  if (copy) {
    var status = document.getElementById("copy-status");
    var html = document.getElementById("brief-copy-html");
    var text = document.getElementById("brief-copy-text");
    var fallback = function (plain) {
      // Older browsers and pages without clipboard permission: copy a selection of the rendered brief.
      var holder = document.createElement("div");
      holder.className = "copy-holder";
      holder.setAttribute("aria-hidden", "true");
      holder.appendChild(html.content.cloneNode(true));
      document.body.appendChild(holder);
      var range = document.createRange();
      range.selectNodeContents(holder);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      selection.removeAllRanges();
      holder.remove();
      if (!ok && navigator.clipboard && navigator.clipboard.writeText) return navigator.clipboard.writeText(plain);
      return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
    };
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var markup = html.innerHTML;
      var plain = text.content.textContent.trim() + "\n";
      var done;
      if (window.ClipboardItem && navigator.clipboard && navigator.clipboard.write) {
        var item = new ClipboardItem({
          "text/html": new Blob([markup], { type: "text/html" }),
          "text/plain": new Blob([plain], { type: "text/plain" })
        });
        done = navigator.clipboard.write([item]).catch(function () { return fallback(plain); });
      } else {
        done = fallback(plain);
      }
      done.then(function () {
        say(status, "Copied the customer-facing brief, formatted, to the clipboard: paste it into an email or a document.");
      }, function () {
        say(status, "The browser refused the clipboard: download the Markdown or PDF instead.");
      });
    });
  }
})();
