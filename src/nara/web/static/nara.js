// Nära: keyboard shortcuts and small conveniences. Everything works without this file.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".inbox-row"));
  }

  var selected = -1;

  function select(index) {
    var list = rows();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    var link = list[selected].querySelector("a");
    if (link) link.focus();
  }

  var dialog = null;
  var opener = null;

  function openHelp() {
    dialog = document.getElementById("shortcut-help");
    if (!dialog) return;
    opener = document.activeElement;
    dialog.hidden = false;
    var button = dialog.querySelector("[data-close-dialog]");
    if (button) button.focus();
  }

  function closeHelp() {
    if (!dialog || dialog.hidden) return false;
    dialog.hidden = true;
    if (opener && opener.focus) opener.focus();
    return true;
  }

  var pendingG = false;

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-close-dialog]")) closeHelp();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { if (closeHelp()) event.preventDefault(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { window.location.href = "/cases"; event.preventDefault(); }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "?") { openHelp(); event.preventDefault(); return; }
    if (key === "/") {
      var search = document.querySelector("[data-shortcut='/']");
      if (search) { search.focus(); event.preventDefault(); }
      return;
    }
    if (key === "j") { select(selected + 1); event.preventDefault(); return; }
    if (key === "k") { select(selected - 1); event.preventDefault(); return; }
    if (key === "r") {
      var reply = document.getElementById("f-body");
      if (reply) { reply.focus(); event.preventDefault(); }
      return;
    }
    if (key === "n") {
      var note = document.getElementById("f-note");
      if (note) { note.focus(); event.preventDefault(); }
      return;
    }
    if (key === "c") {
      var claim = document.getElementById("claim-form");
      if (claim) { event.preventDefault(); claim.requestSubmit(); }
      return;
    }
    if (key === "x") {
      var next = document.getElementById("next-case-form");
      if (next) { event.preventDefault(); next.requestSubmit(); }
    }
  });

  // Keep the selection after the inbox refreshes itself.
  document.addEventListener("htmx:afterSwap", function () {
    if (selected >= 0) {
      var list = rows();
      list.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    }
  });

  // The callback picker: once a day is chosen, the time list offers only that day's free
  // times (without this script every time is offered and a taken one is refused).
  function filterSlots(picker) {
    var day = picker.querySelector("[data-slot-day]");
    var time = picker.querySelector("[data-slot-time]");
    if (!day || !time) return;
    var first = null;
    Array.prototype.forEach.call(time.options, function (option) {
      var days = " " + (option.getAttribute("data-days") || "") + " ";
      var free = days.indexOf(" " + day.value + " ") >= 0;
      option.hidden = !free;
      option.disabled = !free;
      if (free && !first) first = option;
    });
    var chosen = time.options[time.selectedIndex];
    if ((!chosen || chosen.disabled) && first) first.selected = true;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.hasAttribute || !target.hasAttribute("data-slot-day")) return;
    var picker = target.closest("[data-slot-picker]");
    if (picker) filterSlots(picker);
  });

  // Focus the error summary so that screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    Array.prototype.forEach.call(document.querySelectorAll("[data-slot-picker]"), filterSlots);
  });
})();
