// Move focus to an error summary so keyboard and screen-reader users hear what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
});

// The risk matrix follows the chosen probability and consequence. Each cell already carries
// its score and level from the server, so nothing here knows the thresholds; without this
// script the level is shown after the form is sent.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-risk-matrix]").forEach(function (box) {
    var result = box.querySelector(".risk-result");
    function chosen(name) {
      var input = box.querySelector("input[name='" + name + "']:checked");
      return input ? input.value : null;
    }
    function update() {
      var p = chosen("probability"), c = chosen("consequence");
      box.querySelectorAll("td[data-probability]").forEach(function (cell) {
        var hit = cell.dataset.probability === p && cell.dataset.consequence === c;
        cell.classList.toggle("is-selected", hit);
        if (hit) {
          cell.setAttribute("aria-current", "true");
          result.textContent = cell.dataset.result;
        } else {
          cell.removeAttribute("aria-current");
        }
      });
    }
    box.addEventListener("change", update);
    // A click on a cell chooses both scales (the radio buttons stay the way for keyboards).
    box.querySelectorAll("td[data-probability]").forEach(function (cell) {
      cell.addEventListener("click", function () {
        ["probability", "consequence"].forEach(function (name) {
          var input = box.querySelector("input[name='" + name + "'][value='" + cell.dataset[name] + "']");
          if (input) { input.checked = true; }
        });
        update();
      });
    });
  });
});

// Forms with data-confirm ask before they are sent (removing a draft cannot be undone).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});

// What these scripts fetch comes as a document of its own (templates/_fragment.html).
function fragment(html) {
  return new DOMParser().parseFromString(html, "text/html");
}

// Attendance: the quorum box follows the ticked boxes before they are saved. The server renders
// the box (services.quorum holds the rule); without this script it updates after saving.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-live-quorum]").forEach(function (form) {
    var pending = null;
    form.addEventListener("change", function () {
      var params = new URLSearchParams();
      form.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        params.append("narvarande", box.value);
      });
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(form.dataset.liveQuorum + "?" + params.toString(), {
        credentials: "same-origin", signal: pending.signal
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        var box = document.getElementById("beslutsforhet");
        var fresh = html && fragment(html).getElementById("beslutsforhet");
        // The live region stays in place, so that screen readers announce its new content.
        if (fresh && box) { box.className = fresh.className; box.innerHTML = fresh.innerHTML; }
      }).catch(function () {});
    });
  });
});

// "Skriv ut" buttons on printable pages (the print stylesheet hides the page's chrome).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});

// Report form: how many similar deviations there have been between the same organizations in
// the chosen category (issue 5). The server sends counts and names of categories and
// organizations only, never another case's text; without this script the form works as before.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-similar-hint]");
  var form = box && box.closest("form");
  if (!form) { return; }
  var pending = null;
  function update() {
    var params = new URLSearchParams();
    var category = form.querySelector("select[name=category_id]");
    if (category && category.value) { params.append("category_id", category.value); }
    form.querySelectorAll("input[name=concerned_organization_ids]:checked").forEach(function (box) {
      params.append("concerned_organization_ids", box.value);
    });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var url = box.dataset.similarHint;
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
      credentials: "same-origin", signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      box.innerHTML = html ? fragment(html).body.innerHTML.trim() : "";
    }).catch(function () {});
  }
  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "category_id" || name === "concerned_organization_ids") { update(); }
  });
  update();
});
