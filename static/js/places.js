/* Kecamatan/kelurahan selects (grants/forms/base.py PlaceFieldsMixin): once a kecamatan
   is chosen, the kelurahan list shows only that kecamatan's group. Without this
   script every group stays listed and the server checks the pair. */
(function () {
  "use strict";
  function pair(form) {
    var kecamatan = form.querySelector("select.place-kecamatan");
    var kelurahan = form.querySelector("select.place-kelurahan");
    if (!kecamatan || !kelurahan) {
      return;
    }
    var groups = Array.prototype.slice.call(kelurahan.querySelectorAll("optgroup"));
    var loose = Array.prototype.slice.call(kelurahan.children).filter(function (node) {
      return node.tagName === "OPTION";
    });
    function show() {
      var chosen = kecamatan.options[kecamatan.selectedIndex];
      var name = chosen && chosen.value ? chosen.text : "";
      var value = kelurahan.value;
      while (kelurahan.firstChild) {
        kelurahan.removeChild(kelurahan.firstChild);
      }
      loose.forEach(function (option) {
        kelurahan.appendChild(option);
      });
      groups.forEach(function (group) {
        if (!name || group.label === name) {
          kelurahan.appendChild(group);
        }
      });
      kelurahan.value = value;
      if (kelurahan.value !== value) {
        kelurahan.value = "";
      }
    }
    kecamatan.addEventListener("change", show);
    show();
  }
  document.querySelectorAll("form").forEach(pair);
})();
