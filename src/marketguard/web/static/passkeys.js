// Passkey ceremonies for the portal: enrol, sign in, step up, add a passkey.
// Each .passkey-ceremony block names its options and verify URLs; its button runs
// navigator.credentials.create/get and posts the answer as JSON. Signed in, calls
// carry the session's CSRF token (meta csrf-token) in X-CSRF-Token.
(function () {
  "use strict";

  function toBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBuffer(item.id) });
    });
  }

  function creationOptions(options) {
    var publicKey = Object.assign({}, options);
    publicKey.challenge = toBuffer(options.challenge);
    publicKey.user = Object.assign({}, options.user, { id: toBuffer(options.user.id) });
    publicKey.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: publicKey };
  }

  function requestOptions(options) {
    var publicKey = Object.assign({}, options);
    publicKey.challenge = toBuffer(options.challenge);
    if (options.allowCredentials) {
      publicKey.allowCredentials = descriptors(options.allowCredentials);
    }
    return { publicKey: publicKey };
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (typeof response.getTransports === "function") {
        out.response.transports = response.getTransports();
      }
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) { out.response.userHandle = toBase64url(response.userHandle); }
    }
    return out;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  function postJSON(url, body) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var token = csrfToken();
    if (token) { headers["X-CSRF-Token"] = token; }
    return fetch(url, {
      method: "POST", headers: headers, body: JSON.stringify(body || {}),
      credentials: "same-origin"
    }).then(function (answer) {
      var type = answer.headers.get("content-type") || "";
      if (type.indexOf("json") === -1) {
        return { ok: answer.ok, body: { detail: "The server refused the request (" + answer.status + "): reload the page and try again." } };
      }
      return answer.json().then(function (body) { return { ok: answer.ok, body: body }; });
    });
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey request was cancelled or timed out, or your device could not confirm it is you. Try again.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This device already holds a passkey for this account.";
    }
    return "Your browser could not use a passkey: " + (error && error.message ? error.message : error);
  }

  function run(block) {
    var kind = block.getAttribute("data-passkey");
    var button = block.querySelector("button");
    var status = block.querySelector(".ceremony-status");
    var problem = block.querySelector(".ceremony-problem");
    var extra = {};
    var invitation = block.getAttribute("data-invitation");
    if (invitation) { extra.invitation = invitation; }
    var creating = kind === "enrol" || kind === "add";

    function fail(message) {
      status.textContent = "";
      problem.textContent = message;
      button.disabled = false;
    }

    button.addEventListener("click", function () {
      if (!window.PublicKeyCredential) {
        fail("This browser does not support passkeys.");
        return;
      }
      button.disabled = true;
      problem.textContent = "";
      status.textContent = "Waiting for your passkey…";
      postJSON(block.getAttribute("data-options"), extra).then(function (answer) {
        if (!answer.ok) {
          if (answer.body.redirect) { window.location.assign(answer.body.redirect); return null; }
          fail(answer.body.detail || "The request was refused.");
          return null;
        }
        var ask = creating
          ? navigator.credentials.create(creationOptions(answer.body))
          : navigator.credentials.get(requestOptions(answer.body));
        return ask.then(function (credential) {
          var body = { credential: credentialJSON(credential) };
          var next = block.getAttribute("data-next");
          if (next) { body.next = next; }
          var name = block.querySelector('input[name="name"]');
          if (name && name.value) { body.name = name.value; }
          status.textContent = "Checking…";
          return postJSON(block.getAttribute("data-verify"), body);
        }, function (error) {
          fail(explain(error));
          return null;
        });
      }).then(function (answer) {
        if (!answer) { return; }
        if (answer.ok && answer.body.redirect) {
          status.textContent = "Done.";
          window.location.assign(answer.body.redirect);
          return;
        }
        fail(answer.body.detail || "The passkey was not accepted.");
      }).catch(function (error) {
        fail("The request failed: " + (error && error.message ? error.message : error));
      });
    });
  }

  document.querySelectorAll(".passkey-ceremony").forEach(run);
})();
