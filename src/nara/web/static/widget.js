// Nära self-service widget. Put one tag on any page:
//   <script src="https://<nara-host>/static/widget.js" data-lang="sv" defer></script>
// It talks to that host's /api/v1/selfservice API (allow the page's origin with
// NARA_WIDGET_ORIGINS). It answers only when sure; otherwise a person takes over.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "sv").slice(0, 2);
  if (lang !== "en") lang = "sv";
  var T = {
    sv: { open: "Fråga oss", title: "Fråga Exempelbanken", ask: "Skriv din fråga", send: "Skicka",
      person: "Prata med en person", notWhat: "Inte det du frågade om? ", solved: "Löste det här ditt problem?", yes: "Ja, tack",
      no: "Nej, jag vill prata med en person", name: "Namn", email: "E-postadress (valfri om du anger telefon)",
      phone: "Telefonnummer (valfritt om du anger e-post)",
      contact: "En person hjälper dig. Ange ditt namn och hur vi når dig om en person behöver fråga något. Vi skickar inte e-post.",
      sendContact: "Skicka till en person",
      handed: "Tack! Ditt ärendenummer är ", handedTail: ". En person tar över med allt du har skrivit.",
      link: "Vi skickar inte e-post. Följ ärendet, läs svaret och skriv till oss via din privata länk. Där kan du också boka att vi ringer upp. Spara länken, den visas bara här:",
      linkText: "Öppna ditt ärende",
      expected: "Vi räknar med att en person svarar dig senast ",
      inPortal: "En person tar över. Du hittar ärendet i portalen: ", close: "Stäng",
      thanks: "Bra! Fråga gärna något mer.", error: "Något gick fel: ", you: "Du", us: "Svar" },
    en: { open: "Ask us", title: "Ask Exempelbanken", ask: "Write your question", send: "Send",
      person: "Talk to a person", notWhat: "Not what you asked? ", solved: "Did this solve it?", yes: "Yes, thank you",
      no: "No, I want to talk to a person", name: "Name", email: "E-mail address (optional if you give a phone number)",
      phone: "Phone number (optional if you give an e-mail address)",
      contact: "A person will help you. Give your name and how we can reach you if a person needs to ask something. We do not send e-mail.",
      sendContact: "Send to a person",
      handed: "Thank you! Your case number is ", handedTail: ". A person takes over with everything you wrote.",
      link: "We do not send e-mail. Follow the case, read the answer and write to us through your private link. You can also book a callback there. Save the link, it is shown only here:",
      linkText: "Open your case",
      expected: "We expect a person to answer you by ",
      inPortal: "A person takes over. Find the case in the portal: ", close: "Close",
      thanks: "Good! Ask something else if you like.", error: "Something went wrong: ", you: "You", us: "Answer" }
  }[lang];
  var conversation = null;

  var host = document.createElement("div");
  host.id = "nara-widget";
  document.body.appendChild(host);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "/static/widget.css";
  root.appendChild(css);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var toggle = el("button", { type: "button", class: "nara-toggle", "aria-expanded": "false",
    "aria-controls": "nara-panel" }, T.open);
  var panel = el("section", { id: "nara-panel", class: "nara-panel", role: "region",
    "aria-labelledby": "nara-title", hidden: "" });
  var head = el("div", { class: "nara-head" });
  head.appendChild(el("h2", { id: "nara-title" }, T.title));
  var close = el("button", { type: "button", class: "nara-close" }, T.close);
  head.appendChild(close);
  var log = el("div", { class: "nara-log", "aria-live": "polite" });
  var form = el("form", { class: "nara-form" });
  var label = el("label", { for: "nara-q" }, T.ask);
  var input = el("textarea", { id: "nara-q", rows: "2", maxlength: "2000", required: "" });
  var send = el("button", { type: "submit" }, T.send);
  var person = el("button", { type: "button", class: "nara-quiet" }, T.person);
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  panel.appendChild(head); panel.appendChild(log); panel.appendChild(form); panel.appendChild(person);
  root.appendChild(toggle); root.appendChild(panel);

  function show(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    (open ? input : toggle).focus();
  }
  toggle.addEventListener("click", function () { show(panel.hidden); });
  close.addEventListener("click", function () { show(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") show(false); });

  function say(who, text) {
    var p = el("p", { class: "nara-" + who });
    p.appendChild(el("span", { class: "nara-sr" }, (who === "you" ? T.you : T.us) + ": "));
    p.appendChild(document.createTextNode(text));
    log.appendChild(p);
    return p;
  }

  function api(path, body) {
    return fetch(base + "/api/v1/selfservice/conversations" + path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}), credentials: "omit"
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || r.status);
        return data;
      });
    });
  }

  function start() {
    if (conversation) return Promise.resolve(conversation);
    return api("", { lang: lang, channel: "widget" }).then(function (d) {
      conversation = d.conversation; return conversation;
    });
  }

  function handle(d) {
    if (d.article) {
      var box = el("div", { class: "nara-article" });
      box.appendChild(el("h3", {}, d.article.title));
      // A way on at once, before the article: a wrong answer is rejected in one click.
      var wayOn = el("p", { class: "nara-way-on" }, T.notWhat);
      var other = el("button", { type: "button", class: "nara-quiet" }, T.person);
      wayOn.appendChild(other); box.appendChild(wayOn);
      var body = el("div");
      body.innerHTML = d.article.html; // sanitised by the server (nh3)
      box.appendChild(body);
      var q = el("p", { class: "nara-feedback" }, T.solved);
      var yes = el("button", { type: "button" }, T.yes);
      var no = el("button", { type: "button", class: "nara-quiet" }, T.no);
      yes.addEventListener("click", function () {
        api("/" + conversation + "/feedback", { solved: true }).then(function () {
          q.remove(); wayOn.remove(); say("us", T.thanks);
        }).catch(fail);
      });
      function reject() {
        api("/" + conversation + "/feedback", { solved: false }).then(function (r) {
          q.remove(); wayOn.remove(); handle(r);
        }).catch(fail);
      }
      no.addEventListener("click", reject);
      other.addEventListener("click", reject);
      q.appendChild(yes); q.appendChild(no); box.appendChild(q);
      log.appendChild(box);
    } else if (d.handed_over && d.case_number) {
      say("us", T.handed + d.case_number + T.handedTail);
      if (d.expected_first_response_at) {
        var when = new Date(d.expected_first_response_at);
        say("us", T.expected + when.toLocaleString(lang === "en" ? "en-GB" : "sv-SE",
          { weekday: "short", hour: "2-digit", minute: "2-digit" }) + ".");
      }
      if (d.private_link) {
        var p = say("us", T.link + " ");
        var a = el("a", { href: d.private_link, target: "_blank", rel: "noopener noreferrer" }, T.linkText);
        p.appendChild(a);
        p.appendChild(el("span", { class: "nara-link" }, " " + d.private_link));
      }
      form.hidden = true; person.hidden = true;
    } else if (d.needs_contact) {
      contactForm();
    }
  }

  function contactForm() {
    form.hidden = true; person.hidden = true;
    var f = el("form", { class: "nara-form" });
    f.appendChild(el("p", {}, T.contact));
    f.appendChild(el("label", { for: "nara-name" }, T.name));
    var name = el("input", { id: "nara-name", autocomplete: "name", required: "" });
    f.appendChild(name);
    f.appendChild(el("label", { for: "nara-email" }, T.email));
    var email = el("input", { id: "nara-email", type: "email", autocomplete: "email" });
    f.appendChild(email);
    f.appendChild(el("label", { for: "nara-phone" }, T.phone));
    var phone = el("input", { id: "nara-phone", type: "tel", autocomplete: "tel", maxlength: "40" });
    f.appendChild(phone);
    f.appendChild(el("button", { type: "submit" }, T.sendContact));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      api("/" + conversation + "/contact", { name: name.value, email: email.value || null,
        phone: phone.value || null })
        .then(function (d) { f.remove(); handle(d); }).catch(fail);
    });
    log.appendChild(f);
    name.focus();
  }

  function fail(err) { say("us", T.error + err.message); }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    say("you", text);
    input.value = "";
    start().then(function () {
      return api("/" + conversation + "/questions", { question: text });
    }).then(handle).catch(fail);
  });
  person.addEventListener("click", function () {
    start().then(function () { return api("/" + conversation + "/person"); })
      .then(handle).catch(fail);
  });
})();
