// The web chat page: sends what the person types, clicks or picks to /chat/api/send,
// shows the bot's replies (text with links, images, buttons as buttons), and asks
// /chat/api/poll for messages queued for this chat. Plain JS, no build step.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const texts = JSON.parse($("chat-texts").textContent);
  const lang = document.documentElement.lang;
  const log = $("log");
  const HEADERS = { "X-Requested-With": "orderbot" };
  const POLL_MS = 3000;
  let phone = null;
  let busy = false;

  const messageId = () =>
    window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);

  function bubble(kind) {
    const el = document.createElement("div");
    el.className = "bubble " + kind;
    log.append(el);
    return el;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // Text with its web and UPI links made clickable; never parsed as HTML.
  function appendText(el, text) {
    const links = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]|upi:\/\/[^\s<>"]+)/g;
    let last = 0;
    for (const match of text.matchAll(links)) {
      el.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      if (match[0].startsWith("http")) {
        a.target = "_blank";
        a.rel = "noopener";
      }
      el.append(a);
      last = match.index + match[0].length;
    }
    el.append(text.slice(last));
  }

  function showReply(reply, queued) {
    const el = bubble(queued ? "bot queued" : "bot");
    if (reply.image && reply.image.src) {
      const img = document.createElement("img");
      img.src = reply.image.src;
      img.alt = reply.image.alt || "";
      img.addEventListener("load", scrollDown);
      el.append(img);
    }
    appendText(el, reply.text || (reply.image ? reply.image.alt : ""));
    const actions = (reply.buttons || []).map(([label, payload]) => [label, { button: payload }]);
    if (reply.request_contact) actions.push([reply.request_contact, { share_phone: "1" }]);
    if (actions.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const [label, body] of actions) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => send(body, label));
        row.append(button);
      }
      el.append(row);
    }
  }

  function showMine(label, file) {
    const el = bubble("me");
    if (file && file.type.startsWith("image/")) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      el.append(img);
    } else if (file) {
      el.append("📎 " + file.name + (label ? "\n" : ""));
    }
    el.append(label || "");
  }

  function showAll(data) {
    (data.replies || []).forEach((r) => showReply(r, false));
    (data.queued || []).forEach((r) => showReply(r, true));
    scrollDown();
  }

  async function send(body, label, file) {
    showMine(label, file);
    scrollDown();
    busy = true;
    $("send").disabled = true;
    log.setAttribute("aria-busy", "true");
    const fields = { ...body, phone, lang, id: messageId() };
    let init;
    if (file) {
      const form = new FormData();
      Object.entries(fields).forEach(([k, v]) => form.append(k, v));
      form.append("file", file);
      init = { method: "POST", headers: HEADERS, body: form };
    } else {
      init = {
        method: "POST",
        headers: { ...HEADERS, "Content-Type": "application/json" },
        body: JSON.stringify(fields),
      };
    }
    try {
      const response = await fetch("/chat/api/send", init);
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || texts.unavailable);
      showAll(data);
    } catch (error) {
      bubble("bot").textContent = error.message || texts.unavailable;
    } finally {
      busy = false;
      $("send").disabled = false;
      log.setAttribute("aria-busy", "false");
    }
  }

  async function poll() {
    if (!phone || busy) return;
    try {
      const response = await fetch("/chat/api/poll?phone=" + encodeURIComponent(phone), { headers: HEADERS });
      if (response.ok) {
        const data = await response.json();
        if (data.queued && data.queued.length) showAll(data);
      }
    } catch (error) {
      // the server is restarting: the next poll tries again
    }
  }

  document.querySelectorAll("input[name=role]").forEach((radio) =>
    radio.addEventListener("change", () => ($("phone").value = radio.value))
  );

  $("setup").addEventListener("submit", async (event) => {
    event.preventDefault();
    const wanted = $("phone").value.trim();
    const response = await fetch("/chat/api/poll?phone=" + encodeURIComponent(wanted), { headers: HEADERS });
    const data = await response.json();
    if (!response.ok) {
      $("setup-error").textContent = data.error || texts.unavailable;
      $("setup-error").hidden = false;
      return;
    }
    $("setup-error").hidden = true;
    phone = wanted;
    $("talking-as").textContent = texts.talking_as.replace("{phone}", phone);
    $("setup").hidden = true;
    $("chat").hidden = false;
    showAll(data);
    $("text").focus();
  });

  $("change").addEventListener("click", () => {
    phone = null;
    log.replaceChildren();
    $("chat").hidden = true;
    $("setup").hidden = false;
    $("phone").focus();
  });

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    const file = $("file").files[0];
    if (!text && !file) return;
    $("text").value = "";
    $("file").value = "";
    send({ text }, text, file);
  });

  setInterval(poll, POLL_MS);
})();
