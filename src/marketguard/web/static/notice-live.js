// Keep a notice's page current: poll its live part and swap it when it changed.
// Plain fetch, no framework; a failed poll waits for the next one quietly.
(function () {
  "use strict";
  var region = document.getElementById("live-region");
  if (!region) { return; }
  var url = region.getAttribute("data-live-url");
  var every = 3000;
  function current() {
    var live = document.getElementById("notice-live");
    return live ? live.getAttribute("data-version") : "";
  }
  function typing() {
    var active = document.activeElement;
    return active && region.contains(active) && active.tagName === "TEXTAREA" && active.value;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.getElementById("notice-live");
        if (fresh && fresh.getAttribute("data-version") !== current() && !typing()) {
          region.replaceChildren(fresh);
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .finally(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
