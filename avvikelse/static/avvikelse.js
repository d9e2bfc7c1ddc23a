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
