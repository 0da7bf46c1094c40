"use strict";
// The admin console: one page, reading /v1/admin/* and /v1/review with the admin token kept in
// this tab's sessionStorage. Every value from the server is written with textContent.
(function () {
  const TOKEN_KEY = "fieldsync.admin.token";
  const REFRESH_MS = 3000;
  const PAGES = ["overview", "devices", "review", "history"];
  let timer = null;
  let reviewShown = "";

  const $ = (id) => document.getElementById(id);

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function say(text, kind) {
    const status = $("status");
    status.textContent = text || "";
    status.className = kind || "";
  }

  async function api(method, path, body) {
    const headers = { "Authorization": "Bearer " + token(), "Accept": "application/json" };
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    if (!response.ok) {
      const message = json && json.message ? json.message : "the server answered " + response.status;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function when(iso) {
    if (!iso) return null;
    const date = new Date(iso);
    return date.toLocaleString();
  }

  // An HLC's upper bits are wall-clock milliseconds (the low 16 bits count within one).
  function hlcTime(hlc) { return hlc ? new Date(Math.floor(hlc / 65536)).toLocaleString() : "?"; }

  function value(v) { return v === null || v === undefined ? "(empty)" : typeof v === "string" ? v : JSON.stringify(v); }

  function why(change) {
    const reasons = {
      applied: "Applied as sent.",
      merged: "Merged with a change another device made at the same time.",
      kept: "The server's value was kept; this change lost the conflict.",
      parked: "Kept for review: someone else changed the same field.",
      rejected: "Refused by the server.",
      cascaded: "Deleted with its deleted parent.",
      restored: "Brought back because a device wrote a child of it.",
    };
    const base = reasons[change.outcome] || (change.outcome.startsWith("review_") ? "Resolved by a coordinator (" + change.outcome.substring(7).replace("_", " ") + ")." : change.outcome);
    return change.reason ? base + " " + change.reason : base;
  }

  function show(page) {
    if (!PAGES.includes(page)) page = "overview";
    for (const name of PAGES.concat(["sign-in"])) $("page-" + name).hidden = name !== page;
    for (const link of document.querySelectorAll("nav a")) {
      if (link.dataset.page === page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    clearInterval(timer);
    const load = { overview: overview, devices: devices, review: review, history: historyPage }[page];
    const run = () => load().catch(failed);
    run();
    if (page !== "history") timer = setInterval(run, REFRESH_MS);
  }

  function failed(error) {
    if (error.status === 401 || error.status === 403) {
      signOut(error.message);
    } else {
      say(error.message, "error");
    }
  }

  async function overview() {
    const o = await api("GET", "/v1/admin/overview");
    $("ov-sequence").textContent = o.sequence;
    $("ov-devices").textContent = o.devices;
    $("ov-online").textContent = o.online;
    $("ov-pushes").textContent = o.last_hour.pushes;
    $("ov-pulls").textContent = o.last_hour.pulls;
    $("ov-rejected").textContent = o.last_hour.rejected;
    chart(o.minutes);
    const conflicts = $("ov-conflicts").tBodies[0];
    conflicts.replaceChildren();
    const strategies = Object.keys(o.last_hour.conflicts_by_strategy);
    if (strategies.length === 0) {
      const row = conflicts.insertRow();
      cell(row, "No conflicts in the last hour.").colSpan = 2;
    }
    for (const name of strategies) {
      const row = conflicts.insertRow();
      cell(row, name);
      cell(row, o.last_hour.conflicts_by_strategy[name], "number");
    }
    const recent = $("ov-recent").tBodies[0];
    recent.replaceChildren();
    for (const change of o.recent_decisions) {
      const row = recent.insertRow();
      cell(row, when(change.time));
      cell(row, change.table + " / " + change.record_id, "value");
      cell(row, change.device);
      cell(row, change.outcome);
      cell(row, why(change));
    }
    say("");
  }

  function chart(minutes) {
    const svg = $("chart");
    const ns = "http://www.w3.org/2000/svg";
    svg.replaceChildren();
    const width = 600, height = 160, pad = 20;
    const max = Math.max(1, ...minutes.map((m) => Math.max(m.pushes, m.pulls)));
    const step = (width - 2 * pad) / Math.max(1, minutes.length);
    const axis = document.createElementNS(ns, "line");
    axis.setAttribute("x1", pad); axis.setAttribute("x2", width - pad);
    axis.setAttribute("y1", height - pad); axis.setAttribute("y2", height - pad);
    axis.setAttribute("stroke", "#444");
    svg.appendChild(axis);
    minutes.forEach((m, i) => {
      for (const [kind, color, offset] of [["pushes", "#0b4f8a", 0], ["pulls", "#a3420b", step / 2]]) {
        const h = ((height - 2 * pad) * m[kind]) / max;
        const bar = document.createElementNS(ns, "rect");
        bar.setAttribute("x", pad + i * step + offset);
        bar.setAttribute("y", height - pad - h);
        bar.setAttribute("width", Math.max(1, step / 2 - 1));
        bar.setAttribute("height", h);
        bar.setAttribute("fill", color);
        const title = document.createElementNS(ns, "title");
        title.textContent = new Date(m.minute).toLocaleTimeString() + ": " + m[kind] + " " + kind;
        bar.appendChild(title);
        svg.appendChild(bar);
      }
    });
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", pad); label.setAttribute("y", 14);
    label.setAttribute("font-size", "12"); label.setAttribute("fill", "#111");
    label.textContent = "max " + max + " per minute";
    svg.appendChild(label);
  }

  async function devices() {
    const d = await api("GET", "/v1/admin/devices");
    $("dev-sequence").textContent = d.sequence;
    const body = $("devices").tBodies[0];
    const focused = document.activeElement && document.activeElement.dataset.device;
    body.replaceChildren();
    for (const device of d.devices) {
      const row = body.insertRow();
      row.dataset.device = device.device;
      cell(row, device.device, "value");
      cell(row, device.user);
      cell(row, when(device.last_seen));
      cell(row, device.last_result);
      cell(row, device.cursor, "number");
      cell(row, device.lag, "number");
      cell(row, device.pending, "number");
      cell(row, device.online ? "yes" : "no");
      cell(row, device.revoked ? "revoked " + when(device.revoked_up_to) : "no");
      const actions = cell(row, "");
      actions.textContent = "";
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "danger";
      revoke.textContent = "Revoke";
      revoke.dataset.device = device.device;
      revoke.setAttribute("aria-label", "Revoke device " + device.device);
      revoke.addEventListener("click", () => revokeDevice(device.device));
      actions.appendChild(revoke);
      if (focused === device.device) revoke.focus();
    }
    say("");
  }

  async function revokeDevice(device) {
    if (!window.confirm("Revoke device " + device + "? Its tokens stop working at once; it needs a new token to sync again.")) return;
    try {
      await api("POST", "/v1/admin/revoke", { device });
      say("Device " + device + " revoked.", "ok");
      await devices();
    } catch (error) { failed(error); }
  }

  async function review() {
    const r = await api("GET", "/v1/review");
    const shown = JSON.stringify(r.items);
    if (shown === reviewShown) return;
    reviewShown = shown;
    const list = $("review-items");
    list.replaceChildren();
    $("review-empty").hidden = r.items.length > 0;
    for (const item of r.items) {
      const box = document.createElement("article");
      box.className = "item";
      box.dataset.item = item.id;
      const title = document.createElement("h3");
      title.textContent = item.table + " / " + item.record_id + (item.column ? " — " + item.column : " — whole record");
      box.appendChild(title);
      const facts = document.createElement("dl");
      const add = (name, text) => {
        const dt = document.createElement("dt"); dt.textContent = name;
        const dd = document.createElement("dd"); dd.textContent = text;
        facts.append(dt, dd);
      };
      add("Server's value", value(item.server_value) + " (written by " + item.server_device + ", " + hlcTime(item.server_hlc) + ")");
      add("Device's value", value(item.device_value) + " (written by " + item.device + ", " + hlcTime(item.device_hlc) + "; parked " + when(item.created_at) + ")");
      if (item.reason) add("Why", item.reason);
      box.appendChild(facts);
      const choices = document.createElement("div");
      choices.className = "choices";
      const keep = document.createElement("button");
      keep.type = "button"; keep.textContent = "Keep the server's value";
      keep.addEventListener("click", () => resolve(item.id, { action: "keep_server" }));
      const take = document.createElement("button");
      take.type = "button"; take.textContent = "Take " + item.device + "'s value";
      take.addEventListener("click", () => resolve(item.id, { action: "take_device" }));
      choices.append(keep, take);
      if (item.column) {
        const id = "set-" + item.id;
        const label = document.createElement("label");
        label.htmlFor = id; label.textContent = "New value";
        const input = document.createElement("input");
        input.id = id;
        const set = document.createElement("button");
        set.type = "button"; set.className = "secondary"; set.textContent = "Set this value";
        set.addEventListener("click", () => resolve(item.id, { action: "set", value: input.value }));
        const wrap = document.createElement("div");
        wrap.append(label, input);
        choices.append(wrap, set);
      }
      box.appendChild(choices);
      list.appendChild(box);
    }
    say("");
  }

  async function resolve(id, body) {
    try {
      await api("POST", "/v1/review/" + id + "/resolve", body);
      say("Review item " + id + " resolved.", "ok");
      reviewShown = "";
      await review();
    } catch (error) { failed(error); }
  }

  async function historyPage() {
    const select = $("history-table");
    if (select.options.length === 0) {
      const schema = await api("GET", "/v1/schema");
      const tables = schema.schema && schema.schema.tables ? schema.schema.tables.map((t) => t.name) : [];
      for (const name of tables) select.add(new Option(name, name));
    }
  }

  async function showHistory(event) {
    event.preventDefault();
    const table = $("history-table").value;
    const id = $("history-id").value.trim();
    try {
      const h = await api("GET", "/v1/admin/records/" + encodeURIComponent(table) + "/" + encodeURIComponent(id) + "/history");
      const body = $("history").tBodies[0];
      body.replaceChildren();
      for (const change of h.changes) {
        const row = body.insertRow();
        cell(row, when(change.time));
        cell(row, change.device);
        cell(row, change.op);
        cell(row, change.fields === null ? null : JSON.stringify(change.fields), "value");
        cell(row, change.outcome);
        cell(row, why(change));
        cell(row, change.seq > 0 ? change.seq : null, "number");
      }
      $("history").hidden = h.changes.length === 0;
      $("history-empty").hidden = h.changes.length > 0;
      say(h.changes.length + " changes of " + table + " / " + id + ".", "ok");
    } catch (error) { failed(error); }
  }

  async function signIn(event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    try {
      await api("GET", "/v1/admin/overview");
    } catch (error) {
      signOut(error.status === 403 ? "This token is not an admin token: " + error.message : error.message);
      return;
    }
    $("token").value = "";
    start();
    $("main").focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearInterval(timer);
    $("nav").hidden = true;
    for (const name of PAGES) $("page-" + name).hidden = true;
    $("page-sign-in").hidden = false;
    say(message || "", message ? "error" : "");
    $("token").focus();
  }

  function start() {
    $("nav").hidden = false;
    show(location.hash.substring(1));
  }

  window.addEventListener("hashchange", () => { if (token()) { say(""); show(location.hash.substring(1)); } });
  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("history-form").addEventListener("submit", showHistory);
    $("sign-out").addEventListener("click", () => signOut());
    if (token()) start(); else signOut();
  });
})();
