/* Budget lines of a proposal (grants/forms/applicant.py BudgetLineFormSet): "Add a budget
   line" adds an empty line in place, and every line's total and the sum are
   kept up to date while typing. Without this script the button asks the server
   for the page again with one more line, and the totals are computed there. */
(function () {
  "use strict";

  function rupiah(amount) {
    var digits = String(Math.abs(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (amount < 0 ? "-" : "") + "Rp " + digits;
  }

  function whole(input) {
    if (!input || !/^\s*\d+\s*$/.test(input.value)) {
      return null;
    }
    return parseInt(input.value, 10);
  }

  function setUp(fieldset) {
    var list = fieldset.querySelector(".budget-lines");
    var template = fieldset.querySelector("template.budget-line-template");
    var totalForms = fieldset.querySelector("input[name$='-TOTAL_FORMS']");
    var maxForms = fieldset.querySelector("input[name$='-MAX_NUM_FORMS']");
    var output = fieldset.querySelector(".budget-total-value");
    var button = fieldset.querySelector("button.add-line");
    if (!list || !template || !totalForms || !output) {
      return;
    }

    function recount() {
      var sum = 0;
      var known = true;
      list.querySelectorAll(".budget-line").forEach(function (line) {
        var quantity = whole(line.querySelector("input.line-quantity"));
        var cost = whole(line.querySelector("input.line-cost"));
        var shown = line.querySelector(".line-total-value");
        if (quantity === null || cost === null) {
          if (shown) {
            shown.textContent = "—";
          }
          return;
        }
        var total = quantity * cost;
        if (!Number.isSafeInteger(total)) {
          known = false;
        }
        if (shown) {
          shown.textContent = Number.isSafeInteger(total) ? rupiah(total) : "—";
        }
        sum += total;
      });
      output.textContent = known && Number.isSafeInteger(sum) ? rupiah(sum) : "—";
    }

    function full() {
      var max = maxForms ? parseInt(maxForms.value, 10) : 1000;
      return parseInt(totalForms.value, 10) >= max;
    }

    function addLine() {
      if (full()) {
        return;
      }
      var index = parseInt(totalForms.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var line = holder.firstElementChild;
      list.appendChild(line);
      totalForms.value = String(index + 1);
      var first = line.querySelector("input");
      if (first) {
        first.focus();
      }
      if (button && full()) {
        button.hidden = true;
      }
      recount();
    }

    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        addLine();
      });
    }
    fieldset.addEventListener("input", recount);
    recount();
  }

  document.querySelectorAll("fieldset.budget").forEach(setUp);
})();
