// synthtrace review: keyboard, selection, categorisation and the timed reveal. No dependencies;
// every page also works without this script (forms post and redirect back).
(function () {
  "use strict";

  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.getAttribute("content") : "";

  // --- Video never autoplays, and sound starts muted, wherever a video element appears. ------
  function guardVideo(video) {
    video.autoplay = false;
    video.removeAttribute("autoplay");
    video.muted = true;
    video.defaultMuted = true;
    video.setAttribute("preload", "none");
    if (!video.paused) video.pause();
  }
  document.querySelectorAll("video").forEach(guardVideo);
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        if (node.tagName === "VIDEO") guardVideo(node);
        node.querySelectorAll && node.querySelectorAll("video").forEach(guardVideo);
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // --- Messages --------------------------------------------------------------------------------
  const toastBox = document.getElementById("toast");
  let toastTimer = null;
  function toast(text, isError) {
    if (!toastBox) return;
    toastBox.textContent = text;
    toastBox.classList.toggle("error", !!isError);
    toastBox.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastBox.classList.remove("show"); }, isError ? 6000 : 2500);
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(data.detail || response.statusText);
    return data;
  }

  // --- Reveal: one picture at a time, blurred again after a few seconds or on leaving it. ------
  let shown = null; // { holder, img, blurredSrc, objectUrl, timer }

  function reblur() {
    if (!shown) return;
    const s = shown;
    shown = null;
    clearTimeout(s.timer);
    if (s.video) {  // a revealed video: stopped, emptied and taken away; the contact sheet is back
      s.video.pause();
      s.video.removeAttribute("src");
      s.video.load();
      s.video.remove();
      s.img.hidden = false;
    }
    s.img.src = s.blurredSrc;
    s.img.classList.remove("revealed");
    s.holder.classList.remove("is-revealed");
    URL.revokeObjectURL(s.objectUrl);
    const status = s.holder.querySelector('[data-role="reveal-status"]');
    if (status) status.textContent = "Blurred again.";
  }

  async function reveal(holder) {
    if (!holder) return;
    const img = holder.querySelector("img.thumb");
    const id = holder.dataset.id;
    if (!img || !id) return;
    reblur();
    try {
      const grant = await post("/media/" + id + "/reveal");
      const response = await fetch(grant.url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error("the picture could not be fetched (" + response.status + ")");
      const source = response.headers.get("X-Synthtrace-Source") || "";
      const objectUrl = URL.createObjectURL(await response.blob());
      const blurredSrc = img.getAttribute("src");
      holder.classList.add("is-revealed");
      if (holder.dataset.kind === "video") {
        showVideo(holder, img, blurredSrc, objectUrl, grant.seconds || 5);
      } else {
        img.src = objectUrl;
        img.classList.add("revealed");
        shown = { holder: holder, img: img, blurredSrc: blurredSrc, objectUrl: objectUrl,
                  timer: setTimeout(reblur, (grant.seconds || 5) * 1000) };
      }
      const status = holder.querySelector('[data-role="reveal-status"]');
      const from = source === "evidence" ? "read from the evidence"
        : source === "thumbnail" ? "the 256 px thumbnail (the evidence could not be read)"
        : "nothing could be shown: " + (response.headers.get("X-Synthtrace-Error") || "unknown");
      if (status && holder.dataset.kind === "video") {
        status.textContent = "Revealed, " + from + ": press play (muted); blurred again when you leave it.";
      } else if (status) status.textContent = "Revealed for " + grant.seconds + " s: " + from + ".";
      else toast("Revealed for " + grant.seconds + " s (" + from + ")");
    } catch (err) {
      toast("Reveal failed: " + err.message, true);
    }
  }

  // A revealed video replaces the contact sheet: muted, never playing on its own. It is blurred
  // again when it ends, when it stays paused for the reveal time, when the reviewer leaves it
  // (another element, another tab, another page), and after a minute if it is never started.
  const UNPLAYED_SECONDS = 60;
  function showVideo(holder, img, blurredSrc, objectUrl, seconds) {
    const video = document.createElement("video");
    video.className = "thumb revealed";
    video.controls = true;
    video.setAttribute("playsinline", "");
    guardVideo(video);
    video.src = objectUrl;
    img.hidden = true;
    img.after(video);
    const s = { holder: holder, img: img, blurredSrc: blurredSrc, objectUrl: objectUrl,
                video: video, timer: setTimeout(reblur, UNPLAYED_SECONDS * 1000) };
    shown = s;
    video.addEventListener("play", function () { clearTimeout(s.timer); });
    video.addEventListener("pause", function () {
      clearTimeout(s.timer);
      if (shown === s) s.timer = setTimeout(reblur, seconds * 1000);
    });
    video.addEventListener("ended", reblur);
  }

  document.addEventListener("visibilitychange", function () { if (document.hidden) reblur(); });
  window.addEventListener("pagehide", reblur);
  document.addEventListener("focusin", function (e) {
    if (shown && !shown.holder.contains(e.target)) reblur();
  });

  // --- Categories on screen --------------------------------------------------------------------
  const labels = {};
  document.querySelectorAll("button.cat-btn").forEach(function (b) { labels[b.value] = b.dataset.label; });

  function showCategories(map) {
    Object.keys(map).forEach(function (id) {
      const code = map[id];
      document.querySelectorAll('[data-role="category"][data-id="' + id + '"]').forEach(function (el) {
        el.textContent = code ? code + " · " + (labels[code] || "") : "uncategorised";
        el.classList.toggle("none", !code);
      });
    });
  }

  async function refreshCounts() {
    const params = new URLSearchParams(location.search);
    ["after", "before"].forEach(function (k) { params.delete(k); });
    try {
      const response = await fetch("/api/counts?" + params.toString(), { credentials: "same-origin" });
      if (!response.ok) return;
      const counts = await response.json();
      let pictures = 0;
      Object.keys(counts).forEach(function (b) {
        if (b !== "6") pictures += counts[b];
        const el = document.querySelector('[data-count="' + b + '"]');
        if (el) el.textContent = counts[b];
      });
      const all = document.querySelector('[data-count="pictures"]');
      if (all) all.textContent = pictures;
    } catch (err) { /* the counts refresh on the next page load */ }
  }

  // Counts under several filters at once come after the page (the page does not wait for them).
  if (document.querySelector('.buckets[data-counts="later"]')) refreshCounts();

  // --- The queue: focus, selection, decisions ---------------------------------------------------
  const grid = document.getElementById("grid");
  const decideForm = document.querySelector('form[data-js="decide"]');
  const undoForm = document.querySelector('form[data-js="undo"]');
  const selectionText = document.getElementById("selection");
  const selectionDefault = selectionText ? selectionText.innerHTML : "";
  const clusterTarget = decideForm ? decideForm.querySelector('[data-role="cluster-target"]') : null;
  let clusterMode = null; // cluster id whose every member (across the case) the next key decides

  function cards() { return grid ? Array.from(grid.querySelectorAll(".card")) : []; }
  function focused() {
    const active = document.activeElement;
    const card = active && active.closest ? active.closest(".card") : null;
    return card || (grid ? grid.querySelector(".card.current") : null) || cards()[0] || null;
  }
  function focusCard(card) {
    if (!card) return;
    cards().forEach(function (c) { c.classList.remove("current"); });
    card.classList.add("current");
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    const all = cards();
    const i = all.indexOf(focused());
    focusCard(all[Math.max(0, Math.min(all.length - 1, i + step))]);
  }
  function columns() {
    const all = cards();
    if (!all.length) return 1;
    const top = all[0].offsetTop;
    let n = 0;
    while (n < all.length && all[n].offsetTop === top) n++;
    return Math.max(1, n);
  }
  function checkbox(card) { return card.querySelector('input[name="media"]'); }
  function selected() { return cards().filter(function (c) { const b = checkbox(c); return b && b.checked; }); }

  function showSelection() {
    cards().forEach(function (c) {
      const box = checkbox(c);
      c.classList.toggle("selected", !!(box && box.checked));
      c.classList.toggle("in-cluster", clusterMode !== null && c.dataset.cluster === clusterMode);
    });
    if (!selectionText) return;
    const n = selected().length;
    if (clusterMode !== null) {
      selectionText.textContent = "Whole cluster " + clusterMode + " selected: the next category applies to all its members.";
    } else if (n) {
      selectionText.textContent = n + " selected: the next category applies to them.";
    } else {
      selectionText.innerHTML = selectionDefault;
    }
    selectionText.classList.toggle("active", clusterMode !== null || n > 0);
  }
  function clearSelection() {
    cards().forEach(function (c) { const b = checkbox(c); if (b) b.checked = false; });
    setCluster(null);
  }
  function setCluster(id) {
    clusterMode = id;
    if (clusterTarget) {
      clusterTarget.disabled = id === null;
      if (id !== null && grid) clusterTarget.value = id;
    }
    showSelection();
  }

  async function decide(code) {
    let body;
    let single = false;
    if (clusterMode !== null) {
      body = { category: code, cluster: Number(clusterMode) };
    } else if (grid) {
      let chosen = selected();
      if (!chosen.length) { chosen = [focused()].filter(Boolean); single = true; }
      if (!chosen.length) return;
      body = { category: code, media: chosen.map(function (c) { return Number(c.dataset.id); }) };
    } else if (decideForm) {
      const ids = Array.from(decideForm.querySelectorAll('input[name="media"]')).map(function (i) { return Number(i.value); });
      body = { category: code, media: ids };
    } else {
      return;
    }
    try {
      const result = await post("/api/categorise", body);
      const n = Object.keys(result.categories).length;
      toast(n + (n === 1 ? " media" : " media") + " categorised " + code + " · " + (labels[code] || "") + " (u to undo)");
      if (!grid) { location.reload(); return; }
      showCategories(result.categories);
      const current = focused();
      clearSelection();
      refreshCounts();
      if (single) move(1); else focusCard(current);
    } catch (err) {
      toast("Not categorised: " + err.message, true);
    }
  }

  async function undo() {
    try {
      const result = await post("/api/undo");
      if (!result.undone) { toast("Nothing of yours to undo."); return; }
      toast("Undone: " + result.undone + " media back to their previous category.");
      if (!grid) { location.reload(); return; }
      showCategories(result.categories);
      refreshCounts();
    } catch (err) {
      toast("Undo failed: " + err.message, true);
    }
  }

  if (decideForm) {
    decideForm.addEventListener("submit", function (e) {
      const button = e.submitter;
      if (!button || !button.value) return;
      e.preventDefault();
      decide(button.value);
    });
    decideForm.querySelectorAll("[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        if (b.dataset.action === "select-page") {
          cards().forEach(function (c) { const x = checkbox(c); if (x) x.checked = true; });
          setCluster(null);
        } else if (b.dataset.action === "clear") {
          clearSelection();
        }
      });
    });
  }
  if (undoForm) undoForm.addEventListener("submit", function (e) { e.preventDefault(); undo(); });
  document.querySelectorAll('form[data-js="reveal"]').forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      reveal(form.closest("[data-reveal-holder]"));
    });
  });
  if (grid) {
    grid.addEventListener("change", function (e) {
      if (e.target.matches('input[name="media"]')) { setCluster(null); }
    });
    grid.addEventListener("focusin", function (e) {
      const card = e.target.closest(".card");
      if (card) { cards().forEach(function (c) { c.classList.remove("current"); }); card.classList.add("current"); }
    });
    const first = cards()[0];
    if (first && (!document.activeElement || document.activeElement === document.body)) focusCard(first);
  }
  const help = document.getElementById("help");
  document.querySelectorAll('[data-action="help"]').forEach(function (b) {
    b.addEventListener("click", function () { if (help) help.hidden = !help.hidden; });
  });

  // --- Keys ---------------------------------------------------------------------------------------
  const categoryKeys = {};
  document.querySelectorAll("button.cat-btn[data-key]").forEach(function (b) {
    if (b.dataset.key) categoryKeys[b.dataset.key] = b.value;
  });
  function follow(selector) {
    const link = document.querySelector(selector);
    if (link) location.href = link.href;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === "SELECT" || t.tagName === "TEXTAREA" ||
              (t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "radio"))) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const detailView = !grid && document.querySelector(".viewer[data-reveal-holder]");
    let handled = true;
    if (key in categoryKeys && (grid || detailView)) {
      decide(categoryKeys[key]);
    } else if (key === "?") {
      if (help) help.hidden = !help.hidden;
    } else if (key === "u" && (grid || detailView)) {
      undo();
    } else if (key === "r" && (grid || detailView)) {
      reveal(grid ? focused() : detailView);
    } else if (grid && (key === "j" || key === "ArrowRight")) {
      move(1);
    } else if (grid && (key === "k" || key === "ArrowLeft")) {
      move(-1);
    } else if (grid && key === "ArrowDown") {
      move(columns());
    } else if (grid && key === "ArrowUp") {
      move(-columns());
    } else if (grid && (key === "x" || key === " ")) {
      const card = focused();
      const box = card && checkbox(card);
      if (box) { box.checked = !box.checked; setCluster(null); }
    } else if (grid && key === "a") {
      cards().forEach(function (c) { const x = checkbox(c); if (x) x.checked = true; });
      setCluster(null);
    } else if (key === "c" && (grid || detailView)) {
      const source = grid ? focused() : null;
      const id = source
        ? (Number(source.dataset.clusterSize) > 1 ? source.dataset.cluster : "")
        : (clusterTarget ? clusterTarget.value : "");
      if (id) {
        if (grid) cards().forEach(function (c) { const b = checkbox(c); if (b) b.checked = false; });
        setCluster(clusterMode === id ? null : id);
      } else {
        toast("This media is not in a cluster.");
      }
    } else if (key === "Escape") {
      if (help && !help.hidden) help.hidden = true;
      else if (grid) clearSelection();
      else if (clusterMode !== null) setCluster(null);
      else follow('[data-role="back"]');
    } else if (grid && (key === "Enter" || key === "o")) {
      const card = focused();
      const link = card && card.querySelector('[data-role="open"]');
      if (link) location.href = link.href;
    } else if (key === "n") {
      follow(grid ? '[data-role="next-page"]' : '[data-role="next-item"]');
    } else if (key === "p") {
      follow(grid ? '[data-role="prev-page"]' : '[data-role="prev-item"]');
    } else if (!grid && (key === "j" || key === "ArrowRight")) {
      follow('[data-role="next-item"]');
    } else if (!grid && (key === "k" || key === "ArrowLeft")) {
      follow('[data-role="prev-item"]');
    } else {
      handled = false;
    }
    if (handled) e.preventDefault();
  });
})();
