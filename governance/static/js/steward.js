/* Steward's progressive enhancement. Every page works without it; the CSP forbids inline scripts,
   so behaviour is attached here through data- attributes. */
(function () {
  "use strict";

  // <button data-copy="element-id">: copy that element's text, and say so to screen readers.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status") || "");
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) status.textContent = "Copied to the clipboard.";
    }, function () {
      if (status) status.textContent = "Copying failed: select the text and copy it by hand.";
    });
  });

  // <form data-confirm="Question?">: ask before an irreversible submit (revoke, remove a role…).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Close the user menu when focus or a click leaves it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // After htmx replaces a result region, keep keyboard users oriented: move focus to the region
  // only when the swap was triggered from inside it (pagination, sorting), not while typing a filter.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (target && target.matches("[data-focus-after-swap]") && trigger && trigger.tagName === "A") {
      var region = document.getElementById(target.id) || target;
      region.setAttribute("tabindex", "-1");
      region.focus({ preventScroll: false });
    }
  });
})();
