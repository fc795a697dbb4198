// The studio page: ask, see the options, open one and develop it, browse the history. Plain JS on the JSON
// API of motiongpt.studio.app; long work is a job followed until it is done (and can be cancelled): each
// request for it returns as soon as it has moved (?after=version), so a new option is drawn the moment it exists.
"use strict";

const $ = (id) => document.getElementById(id);
const S = { music: null, ask: null, cards: new Map(), dance: null, viewer: null, staff: null, styles: [],
            playing: false, clockStart: 0, clockOffset: 0, audio: null, clickCtx: null, lastBeat: -1,
            rigs: new Map(), rigMaps: new Map(), rigExtra: {}, rigAnswer: null, rigBlob: null,
            following: new Map(), cancelling: new Set(), latest: null };

// --- talking to the server -------------------------------------------------------------------------------

async function api(method, url, body, raw) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.body = raw ? body : JSON.stringify(body);
    options.headers["Content-Type"] = raw ? "application/octet-stream" : "application/json";
  }
  const response = await reach(url, options);
  const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) throw refusal(data, response.status);
  return data;
}

async function reach(url, options) {
  // fetch, its failure said as the page says it: the studio stopped (its terminal closed, the computer asleep)
  // was "Failed to fetch" in the notice line, and a job followed ended so, as if it had failed.
  try { return await fetch(url, options); } catch (error) {
    throw new Error("the studio is not answering: start motiongpt studio again, then reload this page");
  }
}

function refusal(data, status) {
  // The server's one line, the score's line it names, and a rig's body parts to name (see withRig).
  const e = new Error(data.error || `error ${status}`); e.line = data.line; e.rig = data.rig; return e;
}

function notice(text) { $("notice").textContent = text || ""; }

async function runJob(job, onProgress) {
  // Follow a job until it ends; onProgress(job) is called on every change (a job lists what it made as it goes).
  // Each dance it writes joins the history as it is written, whatever the job's end: a cancelled or failed job
  // keeps what it wrote (the history was drawn again only after a job done, so those waited for the next action).
  // A job followed is a new action taken: the last one's refusal, still in the notice line, is not this one's;
  // and what it makes is shown (options in the grid, a dance opened) while it is the last action whose results
  // the page shows (S.latest): one asked for after it takes the view, and this one's are in the history only.
  let made = (job.result.dances || []).length;
  notice("");
  if (job.kind !== "render") S.latest = job.id;  // (a video only adds its link to the dance it is of)
  S.following.set(job.id, job); jobBar();
  try {
    if (onProgress) await onProgress(job);  // what it has made already (a job followed again after a reload)
    while (true) {
      job = await api("GET", `/api/jobs/${job.id}?after=${job.version}`);
      S.following.set(job.id, job); jobBar();
      if (onProgress) await onProgress(job);
      if ((job.result.dances || []).length > made) {
        made = job.result.dances.length;
        await refreshHistory().catch(() => {});  // (the history is redrawn at the next change if this fails)
      }
      if (!["queued", "running"].includes(job.state)) break;
    }
  } finally { S.following.delete(job.id); S.cancelling.delete(job.id); jobBar(); }
  if (job.state === "failed") throw new Error(job.error);
  if (job.state === "cancelled") { notice(job.message); document.body.dataset.cancelled = job.id; }
  return job;
}

function jobBar() {
  // The progress line says the job the worker runs now (of those this page follows: one asked again while the
  // first is written waits behind it), how many more wait, and Cancel cancels the job it says. It is hidden once
  // none is left: the first job's end hid it while the second was still to run, its progress and Cancel gone.
  const jobs = [...S.following.values()];
  $("job").hidden = !jobs.length;
  if (!jobs.length) return;
  const shown = jobs.find((j) => j.state === "running") || jobs[0], waiting = jobs.length - 1;
  const cancelling = S.cancelling.has(shown.id);
  $("job-message").textContent = (cancelling ? "cancelling..." : shown.message) +
    (waiting ? ` (${waiting} more asked, waiting)` : "");
  $("job-progress").value = shown.progress;
  $("job-cancel").disabled = cancelling;
  $("job-cancel").onclick = () => {
    S.cancelling.add(shown.id); jobBar();
    api("POST", `/api/jobs/${shown.id}/cancel`).catch(() => {});
  };
}

async function upload(kind, file) {
  const url = `/api/upload?kind=${encodeURIComponent(kind)}&name=${encodeURIComponent(file.name)}`;
  return (await api("PUT", url, file, true)).upload;
}

async function uploadOnce(kind, file) {
  // A rig or a capture is uploaded once per file chosen: the map named for it is kept by its upload (S.rigMaps).
  const known = S.rigs.get(file);
  if (known && known.kind === kind) return known.id;
  const id = await upload(kind, file);
  S.rigs.set(file, { kind, id });
  return id;
}

// --- a rig (or capture) whose joints' names do not say its body parts ----------------------------------------
// A request that performs on an uploaded BVH (an ask on a rig, a start from a capture, a BVH onto a rig) is
// refused with `rig` where its body parts are not all recognised (motiongpt.studio.files.check_performer): the
// parts a dance needs, those not found, the rig's joints and what their names suggest. The dialog asks for each
// part's joint (or reads a map file) and the request is sent again with `map`, the command line's --map, until it
// is taken (a bad map is refused in one line, shown in the dialog) or the person cancels. The map taken is kept
// for the upload, and a dance made with it keeps it in its prompt.

async function withRig(upload, request) {
  let map = S.rigMaps.get(upload) || null;
  try { return await request(map); } catch (error) { if (!error.rig) throw error; showRigForm(error); }
  try {
    while (true) {
      map = await new Promise((resolve) => { S.rigAnswer = resolve; });
      if (!map) throw new Error("the rig's body parts were not named: nothing done");
      try {
        const result = await request(map);
        S.rigMaps.set(upload, map);
        return result;
      } catch (error) {
        if (error.rig && error.rig.upload !== $("rig-parts").dataset.upload) showRigForm(error);
        $("rig-message").textContent = error.message;
      }
    }
  } finally { S.rigAnswer = null; if ($("rig-dialog").open) $("rig-dialog").close(); }
}

function showRigForm(error) {
  const rig = error.rig;
  $("rig-title").textContent = `Name the body parts of ${rig.name}`;
  $("rig-message").textContent = error.message;
  $("rig-parts").dataset.upload = rig.upload;
  $("rig-parts").replaceChildren(...rig.parts.map((part) => {
    const label = document.createElement("label"), select = document.createElement("select");
    select.dataset.part = part;
    select.append(new Option("(choose a joint)", ""), ...rig.joints.map((joint) => new Option(joint, joint)));
    select.value = rig.guesses[part] || "";
    if (rig.missing.includes(part)) label.className = "missing";
    label.append(document.createTextNode(part), select);
    return label;
  }));
  S.rigExtra = {};
  if (!$("rig-dialog").open) $("rig-dialog").showModal();
}

function rigMap() {
  // Every part the form names, and what a map file named beyond it (the server says what is wrong with any).
  const map = { ...S.rigExtra };
  for (const select of $("rig-parts").querySelectorAll("select")) {
    if (select.value) map[select.dataset.part] = select.value;
  }
  return map;
}

function parseMap(text) {
  // A map file: the command line's --map items, one a line ("hand-left=LWrist", "--map hand-left=LWrist", "#" a
  // comment), or JSON: {part: joint}, or a dance's prompt.json (its "map"). Parts as laban reads them.
  let pairs;
  if (text.trim().startsWith("{")) {
    const data = JSON.parse(text);
    const map = data.map && typeof data.map === "object" ? data.map : data;
    pairs = Object.entries(map).map(([part, joint]) => {
      if (typeof joint !== "string") throw new Error(`${part}: a joint's name, not ${JSON.stringify(joint)}`);
      return [part, joint];
    });
  } else {
    pairs = text.split(/\r?\n/).map((line) => line.trim().replace(/^--map[=\s]\s*/, ""))
      .filter((line) => line && !line.startsWith("#")).map((line) => {
        const at = line.indexOf("=");
        if (at < 1 || !line.slice(at + 1).trim()) throw new Error(`a map's line is PART=JOINT, not "${line}"`);
        return [line.slice(0, at), line.slice(at + 1)];
      });
  }
  return pairs.map(([part, joint]) => [part.trim().toLowerCase().replace(/_/g, "-"), joint.trim()]);
}

async function rigMapFile() {
  const file = $("rig-map-file").files[0]; if (!file) return;
  try {
    const pairs = parseMap(await file.text());
    const selects = new Map([...$("rig-parts").querySelectorAll("select")].map((s) => [s.dataset.part, s]));
    S.rigExtra = {};
    for (const [part, joint] of pairs) {
      const select = selects.get(part);
      if (select && [...select.options].some((o) => o.value === joint)) select.value = joint;
      else S.rigExtra[part] = joint;  // an optional part, or a part or joint the rig has not: sent as it is
    }
    $("rig-message").textContent = `${file.name}: ${pairs.length} parts named`;
  } catch (error) { $("rig-message").textContent = `${file.name}: ${error.message}`; }
  $("rig-map-file").value = "";
}

// --- asking ------------------------------------------------------------------------------------------------

async function ask(event) {
  event.preventDefault();
  try {
    const source = document.querySelector("input[name=music-source]:checked").value;
    let music = null;
    if (source === "upload") {
      const file = $("music-file").files[0];
      if (file) {
        notice("uploading " + file.name);
        music = await uploadOnce("music", file);  // asked on again, the file is not sent again
      } else if (S.askedMusic) music = S.askedMusic;  // the file the last ask was on (a reload: see fillAsk)
      else throw new Error("choose a music file first");
    } else if (source === "corpus") {
      music = $("corpus-results").value;
      if (!music) throw new Error("search the corpus and pick a piece first");
    }
    const settings = { text: $("ask-text").value.trim(), style: $("ask-style").value, seed: $("ask-seed").value,
                       count: $("ask-count").value, music, bars: $("ask-bars").value };
    if (!music) settings.bpm = $("ask-bpm").value;  // music sets the tempo; its length is the bars asked, or all
    const rig = $("ask-rig").files[0];
    if (rig) { notice("uploading " + rig.name); settings.rig = await uploadOnce("rig", rig); }
    else if (S.askedRig) settings.rig = S.askedRig;  // the rig the last ask was on (a reload: see fillAsk)
    notice("");
    const job = await withRig(settings.rig, (map) => {  // the clock starts at the request taken
      S.askStarted = performance.now();
      return api("POST", "/api/ask", map ? { ...settings, map } : settings);
    });
    await followAsk(job, askSummary(settings));
  } catch (error) { notice(error.message); }
}

function askSummary(settings) {
  // What an ask asked for, in a line: its words, its music and its rig (uploads by the names they were sent under).
  const sent = (upload) => String(upload).replace(/^u[0-9]+-/, "");
  return `"${settings.text || "no words"}"` + (settings.music ? ` on ${sent(settings.music)}` : "") +
    (settings.rig ? ` performed on ${sent(settings.rig)}` : "");
}

async function followAsk(job, summary) {
  // The grid of an ask's options, each drawn as it is written, ranked at the end; while the ask is the last action
  // (runJob's S.latest): Generate clicked again before this one was written (new words), or Vary, the grid is
  // theirs, and this one's options are in the history only (they were drawn into the later ask's grid, ranked
  // #1, #2... twice over).
  newGrid(); closeDance();
  $("ask-summary").textContent = summary;
  const show = async (j) => {
    for (const id of (j.result.dances || [])) if (S.latest === job.id && !S.cards.has(id)) await addCard(id);
    if (j.result.ranked && S.latest === job.id) orderCards(j.result.dances);
  };
  const ended = await runJob(job, show);  // (which puts each option in the history as it is written)
  if (ended.state === "cancelled" && S.latest === job.id) {
    $("ask-summary").textContent = summary + " (cancelled)";  // as a reload says
  }
}

function newGrid() { $("grid").replaceChildren(); S.cards.clear(); }

async function addCard(id) {
  const card = document.createElement("div");
  card.className = "card"; card.dataset.dance = id;
  const head = document.createElement("div"); head.className = "head";
  const rank = document.createElement("span"); rank.className = "rank"; rank.textContent = "·";
  const open = document.createElement("button"); open.type = "button"; open.textContent = "Open"; open.className = "open";
  open.addEventListener("click", () => openDance(id));
  head.append(rank, document.createTextNode(` dance ${id}`), open);
  const canvas = document.createElement("canvas"); canvas.width = 300; canvas.height = 220;
  const thumb = document.createElement("div"); thumb.className = "thumb";
  const img = document.createElement("img"); img.src = `/api/dances/${id}/staff.svg`; img.alt = `staff of ${id}`;
  thumb.append(img);
  card.append(head, canvas, thumb);
  $("grid").append(card);
  const viewer = new DancerView(canvas);
  S.cards.set(id, { card, viewer, rank });
  const motion = await api("GET", `/api/dances/${id}/motion`);
  viewer.setMotion(motion);
  card.classList.add("ready");
  if (S.askStarted && S.cards.size === 1) {
    S.firstVariationSeconds = (performance.now() - S.askStarted) / 1000;
    document.body.dataset.firstVariationSeconds = S.firstVariationSeconds.toFixed(3);
  }
}

function orderCards(order) {
  order.forEach((id, k) => {
    const c = S.cards.get(id); if (!c) return;
    c.rank.textContent = `#${k + 1}`; $("grid").append(c.card);
  });
}

async function searchCorpus(search, results) {
  // The corpus works whose titles hold the words typed into `search`, listed in `results` (the ask's, Continue's).
  const q = search.value.trim();
  if (q.length < 2) return;
  try {
    const found = await api("GET", `/api/corpus?q=${encodeURIComponent(q)}`);
    // a search per key typed: an answer to an earlier query, come late, must not replace the words' own
    if (search.value.trim() !== q) return;
    results.replaceChildren(...found.works.map((w) => new Option(w.replace("corpus:", ""), w)));
  } catch (error) { notice(error.message); }
}

async function startFrom() {
  try {
    const file = $("start-file").files[0];
    if (!file) throw new Error("choose a capture (.bvh) or a score (.laban, .json) first");
    const kind = file.name.toLowerCase().endsWith(".bvh") ? "capture" : "score";
    const id = await uploadOnce(kind, file), fps = $("start-fps").value || null;
    const job = await runJob(await withRig(id, (map) => api("POST", "/api/start", map ? { upload: id, fps, map }
                                                                                          : { upload: id, fps })));
    await showMade(job, "");
  } catch (error) { notice(error.message); }
}

// --- one dance ---------------------------------------------------------------------------------------------

async function openDance(id) {
  // The dance's view and its motion asked for at once; the history is redrawn after the dancer is on screen.
  stop();
  const [dance, motion] = await Promise.all([api("GET", `/api/dances/${id}`), api("GET", `/api/dances/${id}/motion`)]);
  S.dance = dance;
  $("dance-panel").hidden = false; $("variations-panel").hidden = true;
  $("dance-panel").dataset.dance = id;
  $("dance-title").textContent = `Dance ${id}`;
  const made = dance.operation + (dance.bars_changed ? ` bars ${dance.bars_changed.join("-")}` : "");
  $("dance-info").textContent = `${made} · ${dance.text ? '"' + dance.text + '"' : "no words"} · ` +
    (dance.style ? `style ${dance.style} · ` : "") +
    `${dance.grid.tempo} bpm, ${dance.grid.meter} beats a bar` + (dance.music ? ` · music ${dance.music.name}` : "");
  const checked = (dance.check || []).filter((row) => Object.keys(row.elements).length);  // words it can count
  const nothing = "its words name nothing the check counts (steps, their direction, turns, jumps, the arms' level, the "
    + "pace)";
  const rows = (dance.check || []).length && !checked.length ? [nothing] : checked.map((row) => {
    const where = row.bars ? `bars ${row.bars[0]}-${row.bars[1]}` : "the dance";
    const missed = Object.entries(row.elements).filter(([, e]) => !e.followed)
      .map(([name, e]) => `${name} ${e.asked}, does ${e.done}`);
    const done = Object.values(row.elements).filter((e) => e.followed).length;
    const asked = Object.keys(row.elements).length;
    return `${where}: ${done} of ${asked} asked` + (missed.length ? ` (${missed.join("; ")})` : "");
  });
  // the words no rule reads (each once: a phrase longer than 8 bars is checked in rows of 8), as the command line
  // notes them, so that a choreographer does not take them for asked and missed
  const unread = [...new Set((dance.check || []).flatMap((row) => row.unread || []))];
  if (unread.length) {
    rows.push(`not read: ${unread.map((c) => `"${c}"`).join(", ")} ` +
              "(no step, turn, jump, arm level or pace the notation's facts hold)");
  }
  $("dance-check").textContent = rows.join(" · ");
  $("sound-note").textContent = dance.music && dance.music.audio ? "The music plays with it."
    : dance.music && dance.music.notes ? "The score's notes play with it (a simple synthesiser)."
    : "No music: the beats are clicked.";
  $("score-text").value = dance.score_text; $("score-error").textContent = ""; S.badLine = null; gutter();
  // The bars selected: those regenerated to make it (as the page left them after Regenerate bars, and finds them
  // again after a reload: the dance's lineage says them), else its first two.
  const selection = dance.operation === "regenerate" && dance.bars_changed ? dance.bars_changed
    : [dance.bars[0].bar, dance.bars[Math.min(1, dance.bars.length - 1)].bar];
  $("bars-first").value = selection[0]; $("bars-last").value = selection[1];
  S.staff.show(dance, `/api/dances/${id}/staff.svg?v=${Date.now()}`, selection);
  for (const kind of ["bvh", "pdf", "laban", "json", "svg"]) {
    $(`dl-${kind}`).href = `/api/dances/${id}/download/${kind}`;
  }
  $("continue-music").options[0].textContent = dance.music ? "its own music" : "its own tempo";
  $("dl-mp4").hidden = !dance.video; $("dl-mp4").href = `/api/dances/${id}/download/mp4`;
  $("dl-rig").hidden = true;
  S.audio = dance.music && dance.music.audio ? new Audio(dance.music.audio) : null;
  S.viewer.setMotion(motion);
  S.opened = performance.now();
  const redrawn = refreshHistory();
  document.body.dataset.openDance = id;
  history.replaceState(null, "", `#dance=${id}`);  // the address names it: a reload opens it again
  await redrawn;
}

function closeDance() {
  stop(); S.dance = null;
  for (const span of $("history").querySelectorAll(".current")) span.classList.remove("current");  // none open
  $("dance-panel").hidden = true; $("variations-panel").hidden = false;
  delete document.body.dataset.openDance;
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

async function develop(operation, settings) {
  if (!S.dance) return;
  try {
    const started = performance.now(), from = S.dance.id;
    const job = await runJob(await api("POST", `/api/dances/${S.dance.id}/${operation}`, settings));
    await showMade(job, from);
    if (job.state === "done" && S.dance && S.dance.id !== from) {
      document.body.dataset.lastOperationSeconds = ((S.opened - started) / 1000).toFixed(3);
    }
  } catch (error) { notice(error.message); }
}

function continueMusicChosen() {
  // Continue's music: the dance's own (its next bars; a dance without music: its tempo), or a file or a corpus work.
  const source = $("continue-music").value;
  $("continue-music-file").hidden = source !== "upload";
  $("continue-corpus-search").hidden = $("continue-corpus-results").hidden = source !== "corpus";
}

async function continueDance() {
  // Continued on the music chosen beside it, taken as an ask takes music: an upload (sent once) or a corpus work.
  try {
    const settings = { bars: $("continue-bars").value, seed: Date.now() % 100000 }, source = $("continue-music").value;
    if (source === "upload") {
      const file = $("continue-music-file").files[0];
      if (!file) throw new Error("choose the music file to continue on first");
      settings.music = await uploadOnce("music", file);
    } else if (source === "corpus") {
      settings.music = $("continue-corpus-results").value;
      if (!settings.music) throw new Error("search the corpus and pick a piece to continue on first");
    }
    await develop("continue", settings);
  } catch (error) { notice(error.message); }
}

async function showMade(job, from) {
  // What a finished job made (a develop of dance ``from``, a start, an edit): several (variations of a dance) back
  // in the grid, one opened. What a cancelled one kept (a Vary's first options) is in the grid however many:
  // options to pick from, which the page showed none of while the history listed them. Shown only while the job
  // is the last action whose results the page shows (runJob's S.latest): Regenerate clicked, then Generate, the
  // regenerated dance opened over the ask's options; it is in the history, marked, for the person to open.
  const operation = job.kind, made = job.result.dances || [], cancelled = job.state === "cancelled";
  if (S.latest !== job.id) return;
  if (made.length > 1 || (cancelled && made.length)) {
    closeDance(); newGrid();
    $("ask-summary").textContent = madeSummary(operation, from, cancelled);
    for (const id of made) await addCard(id);
    orderCards(made);
  } else if (made.length) {
    await openDance(made[0]);  // (which marks it in the history; runJob put it there)
  }
}

function madeSummary(operation, from, cancelled) {
  // The line above a develop's grid (a Vary's variations): what was done to which dance, and whether cancelled.
  return `${operation} of dance ${from}` + (cancelled ? " (cancelled)" : "");
}

async function saveScore() {
  if (!S.dance) return;
  $("score-error").textContent = ""; S.badLine = null; gutter();
  try {
    const response = await reach(`/api/dances/${S.dance.id}/score`, { method: "PUT", body: $("score-text").value });
    const data = await response.json();
    if (!response.ok) {
      $("score-error").textContent = data.error;
      if (data.line) selectLine($("score-text"), data.line);
      return;
    }
    const from = S.dance.id;
    await showMade(await runJob(data), from);
  } catch (error) { $("score-error").textContent = error.message; }
}

const LINE_PX = 17;  // the editor's line height (studio.css)

function gutter() {
  // The line numbers beside the score's text, the line an error names marked; scrolled with the text.
  const area = $("score-text"), count = area.value.split("\n").length;
  if (S.gutterLines !== count || S.gutterBad !== S.badLine) {
    const numbers = [];
    for (let n = 1; n <= count; n++) {
      const span = document.createElement("span"); span.textContent = String(n);
      if (n === S.badLine) { span.className = "bad"; span.id = "score-bad-line"; }
      numbers.push(span, "\n");
    }
    $("score-gutter").replaceChildren(...numbers);
    S.gutterLines = count; S.gutterBad = S.badLine;
  }
  $("score-gutter").scrollTop = area.scrollTop;
}

function selectLine(area, line) {
  const lines = area.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus(); area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  area.scrollTop = Math.max(0, (line - 4) * LINE_PX);
  S.badLine = line; gutter();
}

async function rigUpload() {
  // The dance performed on the rig, fetched now (a rig not recognised asks for its parts first), then offered.
  try {
    const file = $("rig-file").files[0]; if (!file || !S.dance) return;
    const id = await uploadOnce("rig", file), dance = S.dance.id;
    const blob = await withRig(id, async (map) => {
      const named = map ? `&map=${encodeURIComponent(JSON.stringify(map))}` : "";
      const response = await reach(`/api/dances/${dance}/download/bvh?rig=${encodeURIComponent(id)}${named}`);
      if (!response.ok) throw refusal(await response.json().catch(() => ({})), response.status);
      return response.blob();
    });
    if (S.rigBlob) URL.revokeObjectURL(S.rigBlob);
    S.rigBlob = URL.createObjectURL(blob);
    $("dl-rig").href = S.rigBlob; $("dl-rig").download = `dance-${dance}-rig.bvh`; $("dl-rig").hidden = false;
  } catch (error) { notice(error.message); }
}

async function renderVideo() {
  if (!S.dance) return;
  try {
    const job = await runJob(await api("POST", `/api/dances/${S.dance.id}/render`, {}));
    if (job.state === "done" && S.dance && S.dance.id === job.result.video) $("dl-mp4").hidden = false;
  } catch (error) { notice(error.message); }
}

// --- playing: one clock for every dancer, the music's when it plays ----------------------------------------

function now() {
  if (S.audio && S.playing && !S.audio.paused) return S.audio.currentTime;
  return S.playing ? S.clockOffset + (performance.now() - S.clockStart) / 1000 : S.clockOffset;
}

function play() {
  S.playing = true; S.clockStart = performance.now(); S.clockOffset = 0; S.lastBeat = -1; S.nextNote = 0;
  if (S.dance) $("play").textContent = "Stop";  // the same button stops it
  if (S.audio && S.dance) { S.audio.currentTime = 0; S.audio.play().catch(() => {}); }
  else if (window.AudioContext && !S.clickCtx) S.clickCtx = new AudioContext();
  requestAnimationFrame(tick);
}

// A score's notes (MIDI, MusicXML, a corpus work) played by a small synthesiser: each note a soft triangle tone,
// scheduled a little ahead of the clock so that the animation frames' jitter does not reach the sound.
const AHEAD = 0.25;  // seconds of notes scheduled ahead

function scoreNotes() {
  return S.dance && !S.audio && S.dance.music && S.dance.music.notes ? S.dance.music.notes : null;
}

function playNotes(t) {
  const notes = scoreNotes(), ctx = S.clickCtx;
  if (!notes || !ctx) return;
  while (S.nextNote < notes.length && notes[S.nextNote][0] < t - 0.05) S.nextNote++;  // skipped: already past
  while (S.nextNote < notes.length && notes[S.nextNote][0] < t + AHEAD) {
    const [start, end, pitch, loud] = notes[S.nextNote++];
    const at = ctx.currentTime + Math.max(0, start - t), length = Math.max(0.05, Math.min(end - start, 2.0));
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.02 + 0.1 * loud, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain).connect(ctx.destination); osc.start(at); osc.stop(at + length + 0.02);
  }
}

function stop() {
  S.playing = false; S.clockOffset = 0; $("play").textContent = "Play";
  if (S.audio) S.audio.pause();
}

function click(strong) {
  if (!S.clickCtx) return;
  const ctx = S.clickCtx, osc = ctx.createOscillator(), gain = ctx.createGain();
  osc.frequency.value = strong ? 1500 : 1000;
  gain.gain.setValueAtTime(0.25, ctx.currentTime); gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.05);
  osc.connect(gain).connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.06);
}

function beatAt(times, t) {
  if (t <= times[0]) return 0;
  for (let i = 1; i < times.length; i++) if (t < times[i]) return i - 1 + (t - times[i - 1]) / (times[i] - times[i - 1]);
  return times.length - 1;
}

function tick() {
  if (!S.playing) return;
  const t = now();
  if (S.dance) {
    S.viewer.draw(t);
    const beat = beatAt(S.dance.grid.times, t);
    S.staff.setBeat(beat);
    playNotes(t);
    if (!S.audio && !scoreNotes() && Math.floor(beat) !== S.lastBeat) {
      S.lastBeat = Math.floor(beat);
      click((S.lastBeat - S.dance.grid.downbeat) % S.dance.grid.meter === 0);
    }
    if (t > S.viewer.duration()) { stop(); return; }
  } else {
    let longest = 0;
    for (const c of S.cards.values()) { c.viewer.draw(t); longest = Math.max(longest, c.viewer.duration()); }
    if (t > longest) { stop(); return; }
  }
  requestAnimationFrame(tick);
}

// --- styles: the model's own and the style adapters (uploaded as a zip, or given to motiongpt studio) ------

function showStyles(adapters, chosen) {
  for (const [id, none] of [["ask-style", "none"], ["translate-style", null]]) {
    const select = $(id), keep = chosen || select.value;
    const options = none ? [new Option(none, "")] : [];
    const known = document.createElement("optgroup"); known.label = "the model's styles";
    known.append(...S.styles.map((s) => new Option(s, s)));
    const mine = document.createElement("optgroup"); mine.label = "style adapters";
    mine.append(...adapters.map((a) => new Option(a, "adapter:" + a)));
    select.replaceChildren(...options, ...(S.styles.length ? [known] : []), ...(adapters.length ? [mine] : []));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
  // Translate into: a model with no styles and no adapter has none to offer (the click failed on the server)
  const none = !$("translate-style").options.length;
  $("translate").disabled = none;
  if (none) $("translate-style").replaceChildren(new Option("no style: add a style adapter", ""));
}

async function adapterUpload() {
  const file = $("adapter-file").files[0]; if (!file) return;
  try {
    notice("adding the style adapter " + file.name);
    const made = await api("PUT", `/api/upload?kind=adapter&name=${encodeURIComponent(file.name)}`, file, true);
    const state = await api("GET", "/api/state");
    showStyles(state.adapters, made.style);
    notice(`style adapter ${made.adapter} added: chosen as the style`);
  } catch (error) { notice(error.message); }
  $("adapter-file").value = "";
}

// --- history -----------------------------------------------------------------------------------------------

async function refreshHistory() {
  const h = await api("GET", "/api/history");
  const byId = new Map(h.dances.map((d) => [d.id, d]));
  const label = (d) => {  // what each step was asked: a regenerate's new words, a translate's style
    const parent = byId.get(d.parents[0]), words = d.words || d.text;
    const style = d.style && (!parent || parent.style !== d.style) ? ` as ${d.style}` : "";
    return `${d.id} ${d.operation}${d.bars ? " " + d.bars.join("-") : ""}${style}` +
      (words ? ` "${words.length > 28 ? words.slice(0, 27) + "…" : words}"` : "");
  };
  const seen = new Set();
  const branch = (d) => {
    const li = document.createElement("li");
    const span = document.createElement("span"); span.textContent = label(d); span.dataset.dance = d.id;
    if (S.dance && S.dance.id === d.id) span.className = "current";
    span.addEventListener("click", () => openDance(d.id));
    li.append(span);
    if (seen.has(d.id)) { span.textContent += " (again)"; return li; }
    seen.add(d.id);
    const kids = d.children.map((c) => byId.get(c)).filter(Boolean);
    if (kids.length) { const ul = document.createElement("ul"); ul.append(...kids.map(branch)); li.append(ul); }
    return li;
  };
  const ul = document.createElement("ul");
  ul.append(...h.dances.filter((d) => !d.parents.length).map(branch));
  // a dance folder that cannot be read (a lineage.json edited by hand) is named with why, not opened: one such
  // folder left the whole history unread
  ul.append(...(h.damaged || []).map((d) => {
    const li = document.createElement("li"); li.className = "damaged";
    li.textContent = `${d.id} cannot be read: ${d.why}`;
    return li;
  }));
  $("history").replaceChildren(ul);
  // Blend with: the other dances of the open one's meter (cocreate.blend joins one meter only; the first listed
  // was the history's first dance whatever its meter, and a blend of a 2/4 corpus dance failed at the first click)
  const meter = S.dance ? S.dance.grid.meter : null;
  const others = h.dances.filter((d) => !S.dance || (d.id !== S.dance.id && d.meter === meter));
  $("blend-with").replaceChildren(...(others.length ? others.map((d) => new Option(label(d), d.id))
    : [new Option(`no other dance of ${meter} beats a bar`, "")]));
  $("blend").disabled = !others.length;
  return h;
}

// --- a reload (or a second tab) picks up where the studio is ------------------------------------------------
// The page keeps nothing of its own: the grid last shown comes from studio.json (the history's asks, or its grid:
// a Vary's variations shown since the last ask), the dance open from the address (#dance=ID), and the work still
// queued or running from the server's jobs, followed to their end as the page that asked for them would have.

async function restore(state, h) {
  const last = h.asks[h.asks.length - 1], grid = h.grid;
  if (last) fillAsk(last.settings);
  if (grid || last) {
    $("ask-summary").textContent = grid ? madeSummary(grid.operation, grid.dance, grid.cancelled) :
      askSummary(last.settings) + (last.cancelled ? " (cancelled)" : "");
    const known = new Set(h.dances.map((d) => d.id));
    const ranked = grid ? grid.dances : last.ranked;  // a Vary's in the order it ranked them, as showMade drew them
    const shown = (ranked || last.dances).filter((id) => known.has(id));
    if (!state.jobs.some((j) => j.kind === "ask")) {  // an ask still to be written is drawn as it is followed
      for (const id of shown) await addCard(id);
      if (ranked) orderCards(shown);
    }
  }
  const named = /^#dance=([0-9]{4,6})$/.exec(location.hash);
  if (named && h.dances.some((d) => d.id === named[1])) await openDance(named[1]);
  else if (named) closeDance();
}

async function addressed() {
  // The address changed by hand (#dance=ID typed, or Back to an earlier one) opens that dance, as a reload would;
  // it opened nothing. The page's own changes (openDance, closeDance) use replaceState, which fires no hashchange.
  const named = /^#dance=([0-9]{4,6})$/.exec(location.hash);
  try {
    if (named && (!S.dance || S.dance.id !== named[1])) await openDance(named[1]);
    else if (!location.hash && S.dance) closeDance();
  } catch (error) { notice(error.message); }
}

async function followJobs(jobs) {
  // One worker runs the jobs in order: each is followed in turn, its result shown as the page that asked for it
  // would have shown it (a job says what it was asked: its settings and the dance it works on).
  for (const job of jobs) {
    try {
      const asked = job.asked || {};
      if (job.kind === "ask") {
        await followAsk(job, askSummary(asked));
      } else if (job.kind !== "load") {
        const done = await runJob(job), cancelled = done.state === "cancelled";  // (runJob throws on a failure)
        if (done.result.video) {
          if (!cancelled && S.dance && S.dance.id === done.result.video) $("dl-mp4").hidden = false;
        } else await showMade(done, asked.dance || "");
      }
    } catch (error) { notice(error.message); }
  }
}

function fillAsk(settings) {
  // The ask's form as the last ask left it (its words, length, tempo, seed, options, style and music). Its music
  // was lost: a reload showed "none (a tempo)" and the Bars field's 8 where the whole piece was asked, and Generate
  // then danced 8 bars to a click. A corpus work is chosen again; an uploaded file, which a file field cannot be
  // given, is kept as the file asked on (S.askedMusic, sent again while no other file is chosen).
  for (const [field, id] of [["text", "ask-text"], ["bpm", "ask-bpm"], ["seed", "ask-seed"], ["count", "ask-count"]]) {
    if (settings[field] !== undefined && settings[field] !== null) $(id).value = settings[field];
  }
  const music = settings.music || "", corpus = music.startsWith("corpus:");
  $("ask-bars").value = settings.bars ?? (music ? "" : 8);  // with music, none asked: the whole piece
  // a length asked is kept (musicChosen), but not the 8 every ask without music sends unless another is typed
  S.barsTyped = settings.bars !== undefined && settings.bars !== null && !(settings.bars === 8 && !music);
  if (settings.style && [...$("ask-style").options].some((o) => o.value === settings.style)) {
    $("ask-style").value = settings.style;
  }
  S.askedMusic = music && !corpus ? music : null;
  if (corpus) $("corpus-results").replaceChildren(new Option(music.replace("corpus:", ""), music));
  $("corpus-results").value = corpus ? music : "";
  document.querySelector(`input[name=music-source][value="${!music ? "" : corpus ? "corpus" : "upload"}"]`)
    .checked = true;
  $("music-chosen").textContent = music ? `${music.replace(/^corpus:|^u[0-9]+-/, "")} (the last ask's)` : "";
  musicChosen();
  // Its rig likewise (a reload asked on no rig, the person's character lost): the upload is asked on again, with
  // the map its body parts were named by (S.rigMaps), until another rig is chosen or None beside it is clicked.
  S.askedRig = settings.rig || null;
  if (settings.rig && settings.map) S.rigMaps.set(settings.rig, settings.map);
  rigChosen(settings.rig ? `${settings.rig.replace(/^u[0-9]+-/, "")} (the last ask's)` : "");
}

function rigChosen(said) {
  // The rig the ask is performed on, when it is not the file field's (the last ask's, after a reload).
  $("rig-chosen").textContent = said;
  $("rig-none").hidden = !said;
}

// --- start -------------------------------------------------------------------------------------------------

function musicChosen() {
  // Music sets the tempo (the field is not sent then); the length is the bars asked for, or the whole piece. A
  // length the person has not typed follows the music: the whole piece with music (empty), 8 bars without. The 8
  // left in the field asked 8 bars of any music, and a tune of 4 was refused ("fewer than the 8 asked for").
  const music = document.querySelector("input[name=music-source]:checked").value !== "";
  $("ask-bpm").disabled = music;
  $("ask-bars").placeholder = music ? "all" : "8";
  if (!S.barsTyped) $("ask-bars").value = music ? "" : "8";
}

async function init() {
  S.viewer = new DancerView($("dancer"));
  S.staff = new StaffView($("staff"), (first, last) => { $("bars-first").value = first; $("bars-last").value = last; });
  for (const id of ["bars-first", "bars-last"]) {
    $(id).addEventListener("change", () => S.staff.select(+$("bars-first").value, +$("bars-last").value));
  }
  $("ask").addEventListener("submit", ask);
  $("corpus-search").addEventListener("input", () => searchCorpus($("corpus-search"), $("corpus-results")));
  $("continue-corpus-search").addEventListener("input",
    () => searchCorpus($("continue-corpus-search"), $("continue-corpus-results")));
  $("continue-music").addEventListener("change", continueMusicChosen);
  $("corpus-results").addEventListener("change", () => {
    document.querySelector("input[name=music-source][value=corpus]").checked = true; musicChosen();
    $("music-chosen").textContent = $("corpus-results").value;
  });
  $("music-file").addEventListener("change", () => {
    document.querySelector("input[name=music-source][value=upload]").checked = true; musicChosen();
    S.askedMusic = null; $("music-chosen").textContent = "";  // this file now, not the last ask's
  });
  for (const radio of document.querySelectorAll("input[name=music-source]")) {
    radio.addEventListener("change", musicChosen);
  }
  $("ask-bars").addEventListener("input", () => { S.barsTyped = true; });
  $("ask-rig").addEventListener("change", () => { S.askedRig = null; rigChosen(""); });  // this file now
  $("rig-none").addEventListener("click", () => { S.askedRig = null; $("ask-rig").value = ""; rigChosen(""); });
  $("start").addEventListener("click", startFrom);
  $("play-all").addEventListener("click", () => { S.dance = null; play(); });
  $("stop-all").addEventListener("click", stop);
  $("play").addEventListener("click", () => (S.playing ? stop() : play()));
  $("close-dance").addEventListener("click", closeDance);
  $("regenerate").addEventListener("click", () => develop("regenerate", {
    first: $("bars-first").value, last: $("bars-last").value, text: $("bars-text").value.trim(), seed: Date.now() % 100000 }));
  $("vary-near").addEventListener("click", () => develop("vary", { strength: 0.25, count: 4, seed: Date.now() % 100000 }));
  $("vary-far").addEventListener("click", () => develop("vary", { strength: 0.75, count: 4, seed: Date.now() % 100000 }));
  $("continue").addEventListener("click", continueDance);
  $("blend").addEventListener("click", () => develop("blend", { other: $("blend-with").value, bars: 4, seed: Date.now() % 100000 }));
  $("translate").addEventListener("click", () => develop("translate", { style: $("translate-style").value, seed: Date.now() % 100000 }));
  $("partner").addEventListener("click", () => develop("partner", { seed: Date.now() % 100000 }));
  $("save-score").addEventListener("click", saveScore);
  $("score-text").addEventListener("input", gutter);
  $("score-text").addEventListener("scroll", gutter);
  $("rig-file").addEventListener("change", rigUpload);
  const answer = (map) => { if (S.rigAnswer) S.rigAnswer(map); };  // the rig's form: withRig waits for it
  $("rig-form").addEventListener("submit", (event) => { event.preventDefault(); answer(rigMap()); });
  $("rig-cancel").addEventListener("click", () => answer(null));
  $("rig-dialog").addEventListener("cancel", (event) => { event.preventDefault(); answer(null); });
  $("rig-map-file").addEventListener("change", rigMapFile);
  $("render").addEventListener("click", renderVideo);
  let state = await api("GET", "/api/state");
  for (let tries = 0; !state.model_ready && !state.model_error && tries < 120; tries++) {  // loaded meanwhile
    notice("loading the model..."); await new Promise((r) => setTimeout(r, 500));
    state = await api("GET", "/api/state");
  }
  notice(state.model_error || "");  // a model that cannot be loaded is said at once, not waited for
  S.styles = state.styles; showStyles(state.adapters);
  $("adapter-file").addEventListener("change", adapterUpload);
  $("partner").hidden = !state.partner;  // HOOK: shown only when motiongpt.cocreate.duet is installed
  await restore(state, await refreshHistory());
  // what another tab (or the command line) wrote meanwhile, drawn when the person comes back to this one
  const returned = () => { if (!document.hidden) refreshHistory().catch(() => {}); };
  window.addEventListener("focus", returned);
  document.addEventListener("visibilitychange", returned);
  window.addEventListener("hashchange", addressed);
  document.body.dataset.ready = "1";
  followJobs(state.jobs);
}

document.addEventListener("DOMContentLoaded", init);
