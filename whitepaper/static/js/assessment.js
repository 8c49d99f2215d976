// Autosave of the rating form, criterion by criterion. Without this file every form still saves with its
// Save button. A save sends the version the form was loaded with; a newer stored version answers 409 with both
// versions, and the person chooses: nothing is overwritten silently.
(function () {
  "use strict";
  var TEXT_DELAY = 1200, CHOICE_DELAY = 150;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }

  function updateProgress(progress) {
    var nav = document.querySelector(".dimension-nav");
    if (!nav || !progress) { return; }
    var format = nav.getAttribute("data-progress-format") || "{done} / {total}";
    var rows = Object.assign({}, progress.dimensions, { _all: { complete: progress.complete, total: progress.total } });
    Object.keys(rows).forEach(function (key) {
      var row = rows[key];
      document.querySelectorAll('[data-progress="' + key + '"]').forEach(function (bar) {
        bar.value = row.complete; bar.max = row.total;
      });
      document.querySelectorAll('[data-progress-text="' + key + '"]').forEach(function (el) {
        el.textContent = fill(format, { done: row.complete, total: row.total });
      });
    });
  }

  function setState(form, data) {
    var holder = form.querySelector("[data-state]");
    if (!holder) { return; }
    var state = data.status === "unrated" ? "unrated" : (data.complete ? "complete" : "incomplete");
    var badge = document.createElement("span");
    badge.className = "badge state-" + state;
    badge.textContent = holder.getAttribute("data-" + state + "-text");
    holder.replaceChildren(badge);
  }

  function describe(list, side, labels) {
    list.replaceChildren();
    [["choice", side.choice], ["elements", (side.elements || []).join(", ")], ["justification", side.justification],
     ["means", side.means_of_verification], ["action", side.action]].forEach(function (pair) {
      if (!pair[1] && pair[0] !== "choice") { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = labels.getAttribute("data-" + pair[0]);
      dd.textContent = pair[1];
      dd.className = "pre";
      list.append(dt, dd);
    });
  }

  function Autosave(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave");
    this.status = form.querySelector(".save-status");
    this.version = form.querySelector('input[name="version"]');
    this.timer = null;
    this.inFlight = false;
    this.pending = false;
    this.blocked = false;  // after a conflict, until the person chooses
    var self = this;
    form.addEventListener("input", function (event) { self.changed(event); });
    form.addEventListener("change", function (event) { self.changed(event); });
    var box = form.querySelector("[data-conflict]");
    if (box) {
      box.querySelector("[data-keep-theirs]").addEventListener("click", function () {
        self.pending = false; window.location.reload();
      });
      box.querySelector("[data-overwrite]").addEventListener("click", function () {
        box.hidden = true; self.blocked = false; self.save();
      });
    }
  }

  Autosave.prototype.say = function (text) { if (this.status) { this.status.textContent = text; } };

  Autosave.prototype.changed = function (event) {
    var target = event.target;
    if (!target.name || target.type === "file" || target.name === "link_url" || target.name === "link_label") {
      return;
    }
    if (event.type === "input" && target.type === "radio") { return; }  // handled on change
    this.pending = true;
    if (this.blocked) { return; }
    clearTimeout(this.timer);
    var self = this;
    var delay = target.type === "radio" ? CHOICE_DELAY : TEXT_DELAY;
    this.timer = setTimeout(function () { self.save(); }, delay);
  };

  Autosave.prototype.save = function () {
    if (this.inFlight) { this.pending = true; return; }
    var self = this, form = this.form;
    var body = new FormData(form);
    body.delete("evidence_file");
    body.delete("link_url");
    body.delete("link_label");
    var token = form.querySelector('input[name="csrf_token"]');
    this.inFlight = true;
    this.pending = false;
    this.say(this.status.getAttribute("data-saving-text"));
    fetch(this.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                  function () { return { status: response.status, data: {} }; });
    }).then(function (result) {
      self.inFlight = false;
      var data = result.data;
      if (result.status === 200) {
        self.version.value = data.version;
        self.say(fill(self.status.getAttribute("data-saved-text"), { time: data.saved_at }));
        setState(form, data);
        updateProgress(data.progress);
        if (self.pending) { self.save(); }
      } else if (result.status === 409 && data.theirs) {
        self.conflict(data);
      } else {
        var reason = (data.error && data.error.message) || String(result.status);
        if (data.fields) { reason += " " + Object.keys(data.fields).map(function (k) { return data.fields[k]; }).join(" "); }
        self.pending = true;
        self.say(fill(self.status.getAttribute("data-error-text"), { reason: reason }));
      }
    }, function () {
      self.inFlight = false;
      self.pending = true;
      self.say(self.status.getAttribute("data-offline-text"));
    });
  };

  Autosave.prototype.conflict = function (data) {
    var box = this.form.querySelector("[data-conflict]");
    this.blocked = true;
    this.pending = true;
    // The next save (if the person chooses "overwrite with mine") is made against the version now stored.
    this.version.value = data.version;
    var labels = box.querySelector("template").content.firstElementChild;
    box.querySelector("[data-conflict-message]").textContent =
      data.error.message + (data.by ? " (" + data.by + ", " + data.at + ")" : "");
    describe(box.querySelector("[data-theirs]"), data.theirs, labels);
    describe(box.querySelector("[data-yours]"), data.yours, labels);
    box.hidden = false;
    this.say(data.error.message);
    box.scrollIntoView({ block: "nearest" });
  };

  var savers = [];
  document.querySelectorAll("form.rating-form[data-autosave]").forEach(function (form) {
    savers.push(new Autosave(form));
  });

  // Warn before an evidence file larger than the limit is sent (the server refuses it anyway).
  document.querySelectorAll('input[type="file"][data-max-bytes]').forEach(function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var file = input.files && input.files[0];
      input.setCustomValidity(file && file.size > max ? input.form.querySelector(".save-status")
        .getAttribute("data-error-text").replace("{reason}", Math.ceil(file.size / 1048576) + " MB > " +
        Math.round(max / 1048576) + " MB") : "");
      input.reportValidity();
    });
  });

  window.addEventListener("beforeunload", function (event) {
    var unsaved = savers.some(function (s) { return s.pending || s.inFlight; });
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });

  // A plain submit saves everything: no need to warn about leaving.
  document.addEventListener("submit", function (event) {
    savers.forEach(function (s) { if (s.form === event.target) { s.pending = false; clearTimeout(s.timer); } });
  });
})();
