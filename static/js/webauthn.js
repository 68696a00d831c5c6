/* Security keys and passkeys (allauth.mfa WebAuthn; templates/mfa/). A button
   with data-webauthn="add" or "authenticate" runs the ceremony through
   allauth's own script (mfa/js/webauthn.js, loaded before this one), which puts
   the key's answer in the hidden field data-credential names and sends the form;
   the server's options are in the json_script block data-options names. If the
   key does not answer, the page says so (#webauthn-failed). */
(function () {
  "use strict";
  var forms = window.allauth && window.allauth.webauthn && window.allauth.webauthn.forms;
  if (!forms) {
    return;
  }
  document.querySelectorAll("button[data-webauthn]").forEach(function (button) {
    var ids = {
      credential: button.getAttribute("data-credential"),
      data: button.getAttribute("data-options")
    };
    if (button.getAttribute("data-webauthn") === "add") {
      ids.add = button.id;
      forms.addForm({ ids: ids });
    } else if (button.getAttribute("data-webauthn") === "authenticate") {
      ids.authenticate = button.id;
      forms.authenticateForm({ ids: ids });
    }
  });
  document.addEventListener("allauth.error", function () {
    var failed = document.getElementById("webauthn-failed");
    if (failed) {
      failed.hidden = false;
    }
  });
})();
