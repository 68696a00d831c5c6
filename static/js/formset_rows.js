/* "Add a contractor" (and any fieldset marked data-formset): adds an empty row
   in place from the fieldset's <template data-formset-template>, numbering it
   and counting it in the formset's TOTAL_FORMS. Without this script the button
   asks the server for the page again with one more row, everything typed kept
   (core/formsets.py GrowingFormSet). */
(function () {
  "use strict";

  function setUp(fieldset) {
    var rows = fieldset.querySelector("[data-formset-rows]");
    var template = fieldset.querySelector("template[data-formset-template]");
    var button = fieldset.querySelector("[data-formset-add]");
    var totalForms = fieldset.querySelector("input[name$='-TOTAL_FORMS']");
    var maxForms = fieldset.querySelector("input[name$='-MAX_NUM_FORMS']");
    if (!rows || !template || !button || !totalForms) {
      return;
    }

    function full() {
      var max = maxForms ? parseInt(maxForms.value, 10) : 1000;
      return parseInt(totalForms.value, 10) >= max;
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (full()) {
        return;
      }
      var index = parseInt(totalForms.value, 10);
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      totalForms.value = String(index + 1);
      var first = row.querySelector("input");
      if (first) {
        first.focus();
      }
      if (full()) {
        button.hidden = true;
      }
    });
  }

  document.querySelectorAll("[data-formset]").forEach(setUp);
})();
