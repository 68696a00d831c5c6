/* Applicant profile (grants/forms/applicant.py ApplicantForm): once "individual" or
   "organisation" is chosen, only that kind's fieldset shows. Without this script
   both fieldsets show and the server ignores the one of the other kind. */
(function () {
  "use strict";
  document.querySelectorAll("form.applicant-profile").forEach(function (form) {
    var radios = form.querySelectorAll("input.applicant-kind");
    var groups = form.querySelectorAll("fieldset.kind-fields");
    if (!radios.length || !groups.length) {
      return;
    }
    function show() {
      var chosen = "";
      radios.forEach(function (radio) {
        if (radio.checked) {
          chosen = radio.value;
        }
      });
      groups.forEach(function (group) {
        group.hidden = group.getAttribute("data-kind") !== chosen;
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  });
})();
