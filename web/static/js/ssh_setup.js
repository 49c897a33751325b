/* The device page's SSH set-up form: the configuration file's path is asked only for a type
   that reads one file (the form's data-path-types), and is then required. */
(function () {
  "use strict";
  var form = document.getElementById("ssh-setup");
  if (!form) { return; }
  var type = form.querySelector("select[name=ssh_device_type]");
  var field = form.querySelector(".config-path");
  var input = field && field.querySelector("input");
  if (!type || !input) { return; }
  var pathTypes = (form.getAttribute("data-path-types") || "").split(" ");

  function update() {
    var needed = pathTypes.indexOf(type.value) >= 0;
    field.hidden = !needed;
    input.required = needed;
  }
  type.addEventListener("change", update);
  update();
})();
